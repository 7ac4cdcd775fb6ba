"""A reminder before a deadline, as the organization meets it on a phone: `flask deadlines tick` sends it
once, the bell counts it, the notification says what and when, and its link opens the draft letter."""

from datetime import datetime, time, timedelta

import pytest

from marketplace.domain import deadlines
from marketplace.domain.core import clock
from marketplace.domain.tender import bids
from marketplace.extensions import db
from tests.browser.conftest import shot
from tests.browser.test_foundation import sign_in
from tests.factories import PASSWORD, bid_data, bidder, published_project

pytestmark = pytest.mark.browser


def test_an_organization_is_reminded_of_its_draft_letter_and_opens_it_from_the_bell(phone, live_server, app):
    project, _officer = published_project()
    user = bidder()
    bids.save(user, project, bid_data())
    code, username = project.code, user.username
    deadline_day = project.bid_deadline.astimezone(clock.LOCAL_TZ).date()
    with clock.frozen(datetime.combine(deadline_day - timedelta(days=3), time(9), clock.LOCAL_TZ)):
        assert deadlines.tick()["reminders"] == 1
        assert deadlines.tick()["reminders"] == 0  # once
    db.session.commit()  # (and read nothing more: the server writes)

    sign_in(phone, live_server, username, PASSWORD)
    bell = phone.locator("a.bell").first
    assert bell.locator(".count").inner_text().strip() == "1"
    bell.click()
    phone.wait_for_load_state()
    reminder = phone.locator("main li").filter(has_text="提醒")
    text = reminder.inner_text()
    assert code in text and "草稿" in text and deadline_day.isoformat() in text
    shot(phone, "reminder-phone")
    reminder.get_by_role("link").click()
    phone.wait_for_load_state()
    assert phone.url.endswith(f"/projects/{code}/bid")
    assert phone.locator("h1").count() == 1
