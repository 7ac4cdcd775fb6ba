"""Staff two-factor sign-in in a real browser: enrolment with the QR page, the recovery codes shown
once, sign-in with the app's code and with a recovery code — on a desktop and on a 390 px phone."""

import pyotp
import pytest

from marketplace.domain.core import accounts
from marketplace.extensions import db
from marketplace.models import Role
from tests.browser.conftest import shot
from tests.browser.test_foundation import sign_in
from tests.factories import totp_code

pytestmark = pytest.mark.browser

PASSWORD = "Quiet-harbour-47"


@pytest.fixture
def required(app):
    before = app.config["TWO_FACTOR_ROLES"]
    app.config["TWO_FACTOR_ROLES"] = "admin,street"
    yield
    app.config["TWO_FACTOR_ROLES"] = before


def _person(username: str, role: Role, **scope) -> None:
    accounts.create_user(None, username=username, password=PASSWORD, display_name="区级管理员 张", role=role,
                         **scope)
    db.session.commit()


def _enrol(page, base, username: str, name: str) -> list[str]:
    sign_in(page, base, username, PASSWORD)
    page.wait_for_url(f"{base}/account/two-factor")  # nothing else opens before enrolment
    assert "您的角色需要使用密码加手机验证码登录" in page.locator("main").inner_text()
    page.goto(f"{base}/dashboard")
    page.wait_for_url(f"{base}/account/two-factor")
    assert "请先完成设置再继续" in page.locator(".flash").first.inner_text()
    assert page.locator(".qr img").evaluate("img => img.naturalWidth > 0")  # the QR code is drawn
    shot(page, f"two-factor-setup{name}")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("应用当前显示的 6 位验证码").fill("000000")
    page.get_by_role("button", name="开启双重验证").click()
    assert "验证码不匹配" in page.locator("main").inner_text()
    page.get_by_label("应用当前显示的 6 位验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="开启双重验证").click()
    assert "您的恢复码" in page.locator("h1").inner_text()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    shot(page, f"two-factor-recovery-codes{name}")
    page.get_by_role("link", name="我已妥善保存，继续").click()
    assert page.locator("h1").inner_text().startswith("您好")
    return codes


def test_enrol_then_sign_in_with_the_app_and_with_a_recovery_code(page, live_server, required):
    _person("zhang-admin", Role.admin)
    codes = _enrol(page, live_server, "zhang-admin", "")
    assert len(codes) == 10
    page.get_by_role("button", name="退出").click()

    # the password alone is not enough
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("zhang-admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/login/two-factor")
    shot(page, "two-factor-sign-in")
    page.goto(f"{live_server}/admin/")
    assert "/login" in page.url  # not signed in yet
    page.goto(f"{live_server}/login/two-factor")
    page.get_by_label("身份验证器应用中的验证码或恢复码").fill("123456")
    page.get_by_role("button", name="登录").click()
    assert "验证码错误或已被使用" in page.locator("main").inner_text()
    page.get_by_label("身份验证器应用中的验证码或恢复码").fill(totp_code("zhang-admin"))
    page.get_by_role("button", name="登录").click()
    assert page.locator("h1").inner_text().startswith("您好")
    page.goto(f"{live_server}/admin/")
    assert "/admin/" in page.url
    page.goto(f"{live_server}/dashboard")
    page.get_by_role("button", name="退出").click()

    # phone lost: a recovery code, once
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("zhang-admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_label("身份验证器应用中的验证码或恢复码").fill(codes[0])
    page.get_by_role("button", name="登录").click()
    assert "还剩 9 个" in page.locator(".flash").nth(1).inner_text()
    page.get_by_role("link", name="双重验证").click()
    assert "未使用的恢复码：9 个" in page.locator("main").inner_text()
    shot(page, "two-factor-on")


def test_enrolment_and_sign_in_on_a_390px_phone(phone, live_server, required):
    from tests.factories import make_street

    _person("li-street", Role.street, street_id=make_street().id)
    _enrol(phone, live_server, "li-street", "-390")
    assert phone.evaluate("document.documentElement.scrollWidth <= 390")
    phone.get_by_text("菜单").click()  # on a phone the account links sit in the menu
    phone.get_by_role("button", name="退出").click()
    phone.goto(f"{live_server}/login")
    phone.get_by_label("用户名").fill("li-street")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server}/login/two-factor")
    assert phone.evaluate("document.documentElement.scrollWidth <= 390")
    shot(phone, "two-factor-sign-in-390")
    phone.get_by_label("身份验证器应用中的验证码或恢复码").fill(totp_code("li-street"))
    phone.get_by_role("button", name="登录").click()
    assert phone.locator("h1").inner_text().startswith("您好")


def test_the_administrator_ends_a_persons_sessions_from_the_console(page, browser, live_server, demo_light):
    accounts.create_user(None, username="wang-expert", password=PASSWORD, display_name="王专家", role=Role.expert)
    db.session.commit()
    other = browser.new_context(locale="zh-CN").new_page()
    sign_in(other, live_server, "wang-expert", PASSWORD)
    assert other.locator("h1").inner_text().startswith("您好")

    sign_in(page, live_server, "admin")  # the demo administrator, with its code
    page.goto(f"{live_server}/admin/user/")
    page.locator("tr", has_text="wang-expert").locator("input.action-checkbox").check()
    page.once("dialog", lambda dialog: dialog.accept())  # "sign the selected people out on every device?"
    with page.expect_navigation():
        page.locator("[data-model-action=end_sessions]").dispatch_event("click")
    assert "已在所有设备上注销：wang-expert" in page.locator("body").inner_text()
    other.goto(f"{live_server}/dashboard")
    assert "/login" in other.url
    other.context.close()
