"""Journeys of the foundation, in Chinese, in a real browser."""

import re

import pytest

from marketplace.demo import DEMO_PASSWORD
from marketplace.extensions import db
from marketplace.models import Organization, VerificationStatus
from tests.browser.conftest import shot
from tests.factories import valid_code

pytestmark = pytest.mark.browser

ROLES = ["admin", "street", "secretary", "department", "expert", "org", "resident"]


def sign_in(page, base, username, password=DEMO_PASSWORD):
    """Sign in as a person would; with two-factor on (the demo administrator), give the app's code."""
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    if "/login/two-factor" in page.url:
        from tests.factories import totp_code

        page.get_by_label("身份验证器应用中的验证码或恢复码").fill(totp_code(username))
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()


def test_every_demo_role_signs_in_and_sees_its_dashboard_in_chinese(page, live_server, demo):
    for username in ROLES:  # one demo district for all roles (seeding it is the slow part)
        sign_in(page, live_server, username)
        page.wait_for_url(re.compile(r"/dashboard$"))
        assert page.locator("h1").inner_text().startswith("您好，"), username
        body = page.locator("main").inner_text()
        assert "下一步" in body and "您可以" in body, username
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        shot(page, f"dashboard-{username}")
        page.get_by_role("button", name="退出").click()
        assert "您已退出登录" in page.locator(".flash").inner_text()


def test_switch_to_english_and_back(page, live_server):
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="English").click()
    assert page.locator("h1").inner_text().startswith("揭榜挂帅: residents name the need")
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "home-en")
    page.get_by_role("link", name="中文").click()
    assert "群众点单" in page.locator("h1").inner_text()


def test_an_organization_registers_and_the_district_verifies_it(page, live_server, demo):
    code = valid_code(4242)
    page.goto(f"{live_server}/register")
    page.get_by_label("组织名称").fill("李沧区青禾测试服务中心")
    page.get_by_label("统一社会信用代码").fill(code[:-1] + ("0" if code[-1] != "0" else "1"))
    page.get_by_label("组织类型").select_option("private_non_enterprise")
    page.get_by_label("登记日期").fill("2020-05-20")
    page.get_by_label("法定代表人").fill("赵敏")
    page.get_by_label("联系人").fill("钱强")
    page.get_by_label("联系电话").fill("13712345678")
    page.get_by_label("为老服务").check()
    page.get_by_label("李村街道").check()
    page.get_by_label("您的姓名").fill("钱强")
    page.get_by_label("登录用户名").fill("qinghe")
    page.locator("#password").fill("Lotus-Harbour-5831")
    page.get_by_label("再次输入密码").fill("Lotus-Harbour-5831")
    page.get_by_role("button", name="注册并提交审核").click()
    # a typing error in the code: explained, everything typed is still there
    assert "校验码" in page.locator(".field.has-error").first.inner_text()
    assert page.get_by_label("组织名称").input_value() == "李沧区青禾测试服务中心"
    assert page.get_by_label("为老服务").is_checked()
    shot(page, "register-error")
    page.get_by_label("统一社会信用代码").fill(code)
    page.locator("#password").fill("Lotus-Harbour-5831")
    page.get_by_label("再次输入密码").fill("Lotus-Harbour-5831")
    page.get_by_role("button", name="注册并提交审核").click()
    page.wait_for_url(re.compile(r"/my/organization$"))
    assert "等待区级审核" in page.locator("main").inner_text()
    page.get_by_role("button", name="退出").click()

    sign_in(page, live_server, "admin")
    page.get_by_role("link", name="待审核的社会组织").click()
    page.locator("tr", has_text="李沧区青禾测试服务中心").get_by_role("link", name="审核").click()
    shot(page, "verify-organization")
    page.get_by_role("button", name="通过认证").click()
    assert "已通过认证" in page.locator(".flash").inner_text()
    page.get_by_role("button", name="退出").click()

    sign_in(page, live_server, "qinghe", "Lotus-Harbour-5831")
    page.get_by_role("link", name="我的组织").click()
    assert "已于" in page.locator("main").inner_text()
    org = db.session.scalar(db.select(Organization).where(Organization.uscc == code))
    assert org.status is VerificationStatus.verified


def test_the_site_fits_a_390px_phone(phone, live_server, demo_light):
    for path in ("/", "/organizations/", "/login", "/register", "/rules", "/needs/", "/projects/", "/lists",
                 "/wish", "/survey"):
        phone.goto(f"{live_server}{path}")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    phone.goto(f"{live_server}/")
    shot(phone, "home-phone")
    phone.get_by_role("button", name="菜单").click()  # on a phone the navigation folds behind one button
    phone.get_by_role("navigation", name="主导航").get_by_role("link", name="社会组织").click()
    phone.wait_for_url(re.compile(r"/organizations/$"))
    shot(phone, "organizations-phone")


def test_the_admin_console_is_chinese(page, live_server, demo_light):
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/")
    assert "区级管理后台" in page.locator("body").inner_text()
    page.goto(f"{live_server}/admin/rules/")
    assert "需求评审指标（权重）" in page.locator("body").inner_text()
    shot(page, "admin-rules")
    page.goto(f"{live_server}/admin/user/")
    shot(page, "admin-users")
