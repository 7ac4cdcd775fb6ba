"""红黑榜 in the browser: an evaluation result → compute → publish → the black-listed organization is
refused on a new project with the reason → it appeals → upheld → it can bid again."""

from datetime import date
from decimal import Decimal

import pytest

from marketplace.domain.credit import ledger
from marketplace.extensions import db
from marketplace.models import CreditEvent, Role
from tests.browser.conftest import shot
from tests.browser.test_foundation import sign_in
from tests.factories import PASSWORD, bare_project, bidder, make_user, published_project

pytestmark = pytest.mark.browser


def test_black_list_blocks_then_an_upheld_appeal_lets_it_bid(page, live_server):
    admin = make_user(Role.admin, username="lists-admin")
    member = bidder()
    org_name, username = member.organization.name, member.username
    db.session.add(CreditEvent(organization_id=member.organization_id, kind=ledger.EVALUATION, points=Decimal(52),
                               reason="考榜不合格", occurred_on=date(2026, 10, 20), project_id=bare_project()))
    project, _ = published_project()
    code, admin_name = project.code, admin.username
    db.session.commit()  # nothing of the test's session may hold SQLite's lock while the browser works

    sign_in(page, live_server, admin_name, PASSWORD)
    page.get_by_role("link", name="红黑榜管理").click()
    page.get_by_label("生成该周期的草榜").fill("2026Q4")
    page.get_by_role("button", name="生成").click()
    assert "本期有考榜结果为不合格" in page.locator("main").inner_text()
    page.get_by_role("button", name="发布并开始公示和申诉期").click()
    assert "申诉期至" in page.locator(".flash").first.inner_text()
    page.get_by_role("button", name="退出").click()

    page.goto(f"{live_server}/lists")
    assert org_name in page.locator(".bad-card").inner_text()
    shot(page, "red-black-list")

    sign_in(page, live_server, username, PASSWORD)
    page.goto(f"{live_server}/projects/{code}")
    refusal = page.locator(".eligibility").inner_text()
    assert "已列入平台黑榜" in refusal and "前不得揭榜" in refusal
    page.get_by_role("link", name="我的信用").click()
    page.get_by_label("申诉理由或整改情况").fill("不合格评价所依据的评分表录入有误，附原始评分表复印件。")
    page.get_by_role("button", name="申诉（截至").click()
    assert "已提交" in page.locator(".flash").first.inner_text()
    shot(page, "my-credit")
    page.get_by_role("button", name="退出").click()

    sign_in(page, live_server, admin_name, PASSWORD)
    page.goto(f"{live_server}/district/lists")
    page.get_by_placeholder("理由（公开）").fill("经核实评分表录入错误，申诉成立，移出黑榜。")
    page.get_by_role("button", name="成立：移出榜单").click()
    page.get_by_role("button", name="退出").click()

    sign_in(page, live_server, username, PASSWORD)
    page.goto(f"{live_server}/projects/{code}")
    assert "您的组织可以参与本项目揭榜" in page.locator(".eligibility").inner_text()
