"""资源清单 in the browser, in Chinese: an organization describes a service and submits it → the district
returns it with a reason → corrected and submitted again → listed → the public finds it in 资源清单 by
an everyday word, sees its computed track record → a secretary's need page shows it as a match."""

import pytest

from marketplace.extensions import db
from marketplace.models import Category, Role
from tests.browser.conftest import shot
from tests.browser.test_foundation import sign_in
from tests.factories import PASSWORD, make_community, make_need, make_street, make_user

pytestmark = pytest.mark.browser


def test_a_service_from_draft_to_the_list_and_a_need_match(page, phone, live_server):
    elderly = Category(code="elderly", name="为老服务", name_en="Elderly care")
    db.session.add(elderly)
    street = make_street("李村街道")
    make_user(Role.organization, username="svc-org")
    make_user(Role.admin, username="svc-admin")
    secretary = make_user(Role.secretary, username="svc-sec", community_id=make_community(street=street).id)
    need = make_need(secretary, title="卧床老人洗澡难", description="几位老人瘫在床上，家里没法给他们洗澡",
                     beneficiaries="卧床老人", category_id=elderly.id)
    need_code = need.code
    db.session.commit()

    sign_in(page, live_server, "svc-org", PASSWORD)
    page.get_by_role("link", name="我的服务项目").click()
    page.get_by_role("link", name="新建服务项目").click()
    page.get_by_label("服务名称").fill("上门助浴服务")
    page.locator("#category_id").select_option(label="为老服务")
    page.get_by_label("服务内容").fill("助浴员携带移动助浴设备上门，为失能、卧床老人洗浴、擦身、洗头。")
    page.get_by_label("服务对象").fill("失能、半失能、卧床老年人")
    page.get_by_label("李村街道").check()
    page.get_by_label("参考价格（元）").fill("-5")
    page.locator("#price_unit").fill("次")
    page.get_by_label("每月服务能力（单位数或周期数）").fill("40")
    page.get_by_role("button", name="保存为草稿").click()
    assert "参考价格必须是大于 0 的金额" in page.locator("main").inner_text()
    assert page.get_by_label("服务名称").input_value() == "上门助浴服务"  # nothing typed is lost
    page.get_by_label("参考价格（元）").fill("120")
    page.get_by_role("button", name="保存为草稿").click()
    assert "已保存为草稿" in page.locator(".flash").first.inner_text()
    page.get_by_role("button", name="提交上架审核").click()
    assert "已提交" in page.locator(".flash").first.inner_text()
    page.get_by_role("button", name="退出").click()

    sign_in(page, live_server, "svc-admin", PASSWORD)
    page.get_by_role("link", name="资源清单审核").click()
    page.get_by_role("link", name="退回…").click()
    page.get_by_label("组织需要修改的内容").fill("请写明助浴员的资质。")
    page.get_by_role("button", name="退回组织修改").click()
    assert "退回" in page.locator(".flash").first.inner_text()
    page.get_by_role("button", name="退出").click()

    sign_in(page, live_server, "svc-org", PASSWORD)
    page.get_by_role("link", name="我的服务项目").click()
    assert "请写明助浴员的资质。" in page.locator("main").inner_text()
    page.get_by_role("link", name="上门助浴服务").click()
    page.get_by_role("link", name="编辑").click()
    page.get_by_label("团队与资质").fill("持证养老护理员 6 名")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="提交上架审核").click()
    page.get_by_role("button", name="退出").click()

    sign_in(page, live_server, "svc-admin", PASSWORD)
    page.get_by_role("link", name="资源清单审核").click()
    page.get_by_role("button", name="上架").click()
    assert "已列入资源清单" in page.locator(".flash").first.inner_text()
    page.get_by_role("button", name="退出").click()

    page.goto(f"{live_server}/services/?q=助浴")
    page.get_by_role("link", name="上门助浴服务").click()
    text = page.locator("main").inner_text()
    assert "履约记录（由平台计算）" in text and "持证养老护理员 6 名" in text
    shot(page, "service-item")
    phone.goto(f"{live_server}/services/")
    assert "上门助浴服务" in phone.locator("main").inner_text()
    shot(phone, "services-list-phone")

    sign_in(page, live_server, "svc-sec", PASSWORD)
    page.goto(f"{live_server}/needs/{need_code}")
    matches = page.locator("#matches").inner_text()
    assert "上门助浴服务" in matches and "助浴（洗澡）" in matches
    shot(page, "need-matches")
