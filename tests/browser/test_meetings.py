"""社区书记点单会 in the browser, in Chinese: a street schedules a meeting and puts an item on its
programme → at the meeting a secretary orders (over capacity: refused with the reason, what was typed
kept) → the organization accepts → the commissioned project exists, in delivery, on the public page."""

from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.domain.core import clock
from marketplace.extensions import db
from marketplace.models import OrderingMeeting, Role
from tests.browser.conftest import shot
from tests.browser.test_foundation import sign_in
from tests.factories import PASSWORD, listed_service, make_community, make_street, make_user

pytestmark = pytest.mark.browser


def test_schedule_order_accept_commissioned(page, phone, live_server):
    street = make_street("李村街道")
    make_user(Role.street, username="dh-street", street_id=street.id)
    community = make_community(street=street, name="福苑社区")
    make_user(Role.secretary, username="dh-sec", community_id=community.id)
    org_user = make_user(Role.organization, username="dh-org")
    item = listed_service(org_user=org_user, name="上门助浴服务", monthly_capacity=20, price=Decimal("120"))
    item_code, org_name = item.code, item.organization.name
    db.session.commit()
    starts = (clock.now() + timedelta(days=1)).astimezone(clock.LOCAL_TZ).replace(hour=9, minute=30)

    sign_in(page, live_server, "dh-street", PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="点单会").click()
    page.get_by_role("link", name="安排点单会").click()
    page.get_by_label("标题").fill("李村街道冬季社区书记点单会")
    page.get_by_label("日期和时间").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("地点").fill("李村街道党群服务中心")
    page.get_by_label("福苑社区").check()
    page.get_by_role("button", name="确定安排").click()
    assert "已安排" in page.locator(".flash").first.inner_text()
    page.locator("#item_code").select_option(value=item_code)
    page.get_by_label("本场提供的服务能力（每月）").fill("10")
    page.get_by_role("button", name="加入议程").click()
    assert "已加入议程" in page.locator(".flash").first.inner_text()
    assert "上门助浴服务" in page.locator("#programme").inner_text()
    meeting_url = page.url.split("#")[0]
    page.get_by_role("button", name="退出").click()

    with clock.frozen(starts + timedelta(hours=1)):
        sign_in(page, live_server, "dh-sec", PASSWORD)
        page.goto(meeting_url)
        page.get_by_role("link", name="点单", exact=True).click()
        page.get_by_label("每月数量").fill("12")
        page.get_by_label("服务期（月）").fill("3")
        page.get_by_label("社区资金预算（元）").fill("4320")
        page.get_by_label("给社会组织的备注").fill("请优先安排独居老人")
        page.get_by_role("button", name="提交订单").click()
        assert "超出服务能力" in page.locator("main").inner_text()
        assert page.get_by_label("给社会组织的备注").input_value() == "请优先安排独居老人"  # nothing typed is lost
        page.get_by_label("每月数量").fill("4")
        page.get_by_label("社区资金预算（元）").fill("1440")
        page.get_by_role("button", name="提交订单").click()
        assert "已提交" in page.locator(".flash").first.inner_text()
        page.get_by_role("button", name="退出").click()

        sign_in(page, live_server, "dh-org", PASSWORD)
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="订单").click()
        assert "待社会组织接单" in page.locator("main").inner_text()
        page.locator("main td.mono a").first.click()
        page.get_by_role("button", name="接单").click()
        assert "直接委托" in page.locator(".flash").first.inner_text()
        project_link = page.locator(".flash-success a.mono").first
        project_code = project_link.inner_text()
        project_link.click()
        assert project_code in page.locator("main").inner_text() and "直接委托" in page.locator("main").inner_text()
        page.get_by_role("button", name="退出").click()

        page.goto(meeting_url)
        orders = page.locator("#orders").inner_text()
        assert "福苑社区" in orders and project_code in orders and "1,440.00" in orders and org_name in orders
        shot(page, "meeting-desktop")
        phone.goto(meeting_url)
        assert project_code in phone.locator("#orders").inner_text()
        shot(phone, "meeting-phone")
    assert db.session.scalar(db.select(OrderingMeeting.code)) in meeting_url
