"""The README's two pictures, taken from the demo district: a street officer's dashboard on a desktop
and a community secretary's desk on a phone (docs/screenshots/, committed; the README shows them)."""

import pytest

from marketplace.config import ROOT
from tests.browser.test_foundation import sign_in

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "docs" / "screenshots"


def test_readme_screenshots(page, phone, live_server, demo):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, live_server, "street")
    page.goto(f"{live_server}/dashboard")
    assert "下一步" in page.locator("main").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "dashboard-street.png"), full_page=False)
    sign_in(phone, live_server, "secretary")
    phone.goto(f"{live_server}/dashboard")
    assert "下一步" in phone.locator("main").inner_text()
    phone.screenshot(path=str(SCREENSHOTS / "phone-secretary-desk.png"), full_page=False)
