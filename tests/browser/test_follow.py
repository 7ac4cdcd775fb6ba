"""Following a project from its page, on a phone: by e-mail, confirmed through the mailed link."""

import re

import pytest

from marketplace.extensions import db
from marketplace.models import Follow
from tests.browser.conftest import shot
from tests.factories import published_project

pytestmark = pytest.mark.browser


def test_a_resident_follows_a_project_by_email_and_confirms_it(phone, live_server, app):
    outbox = app.extensions["mailman"].outbox = []
    project, _officer = published_project()
    code = project.code
    db.session.commit()  # (and read nothing more: the server writes)
    phone.goto(f"{live_server}/projects/{code}")
    box = phone.locator("#follow")
    box.get_by_label("您的电子邮箱").fill("wang@example.org")
    box.get_by_role("button", name="用邮件关注").click()
    phone.wait_for_load_state()
    assert "确认链接已发送到 wang@example.org" in phone.locator("main").inner_text()
    link = re.search(r"(/follow/confirm/[A-Za-z0-9_\-]+)", outbox[-1].body).group(1)
    phone.goto(live_server + link)
    shot(phone, "follow-confirm-phone")
    phone.get_by_role("button", name="确认").click()
    phone.wait_for_load_state()
    assert "已确认" in phone.locator("main").inner_text()
    db.session.expire_all()
    assert db.session.scalars(db.select(Follow)).one().confirmed_at is not None
