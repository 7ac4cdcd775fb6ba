"""Staff sign-in (issue 11): two-factor enrolment and sign-in, recovery codes, required roles from
the configuration, idle and absolute session lifetimes, the administrator ending sessions."""

from __future__ import annotations

import hashlib
import re
import time

import pyotp
import pytest
from sqlalchemy import select

from marketplace.domain.core import twofactor
from marketplace.extensions import db
from marketplace.models import RecoveryCode, Role, User
from tests.conftest import Auth, csrf_token_from
from tests.factories import make_user, totp_code


@pytest.fixture
def roles(app):
    """Set TWO_FACTOR_ROLES for one test."""
    before = app.config["TWO_FACTOR_ROLES"]

    def _set(value: str) -> None:
        app.config["TWO_FACTOR_ROLES"] = value

    yield _set
    app.config["TWO_FACTOR_ROLES"] = before


def _enrol(client) -> list[str]:
    """Go through the setup page as a person would: the secret shown, a code from it, the codes."""
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    response = client.post("/account/two-factor", data={"action": "enable", "code": pyotp.TOTP(secret).now(),
                                                        "csrf_token": csrf_token_from(page)})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>", response.get_data(as_text=True))


def _password_step(client, username: str):
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"username": username, "password": "Quiet-harbour-47",
                                       "csrf_token": csrf_token_from(page)})


def _code_step(client, code: str):
    page = client.get("/login/two-factor").get_data(as_text=True)
    return client.post("/login/two-factor", data={"code": code, "csrf_token": csrf_token_from(page)})


def test_the_administrator_enrols_before_anything_else(app, client, roles):
    roles("admin")
    admin = make_user(Role.admin)
    db.session.commit()
    Auth(client).login(admin.username)
    for url in ("/dashboard", "/admin/", "/admin/user/"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/two-factor"), url
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "设置双重验证登录" in page and 'src="data:image/svg+xml;base64,' in page and "totp-secret" in page
    # a wrong code: said on the form, nothing saved
    response = client.post("/account/two-factor", data={"action": "enable", "code": "000000",
                                                        "csrf_token": csrf_token_from(page)})
    assert response.status_code == 400 and "验证码不匹配" in response.get_data(as_text=True)
    codes = _enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.expire_all()
    user = db.session.get(User, admin.id)
    assert twofactor.enrolled(user)
    stored = {c.code_hash for c in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id))}
    assert len(stored) == 10 and not stored & set(codes)  # only digests are kept
    assert hashlib.sha256(codes[0].replace("-", "").encode()).hexdigest() in stored
    assert client.get("/dashboard").status_code == 200  # this session continues
    assert client.get("/admin/").status_code == 200
    assert user.totp_secret not in client.get("/account/two-factor").get_data(as_text=True)


def test_sign_in_asks_for_the_code_once_enrolled(app, roles):
    roles("admin")
    admin = make_user(Role.admin)
    db.session.commit()
    first = app.test_client()
    Auth(first).login(admin.username)
    codes = _enrol(first)

    client = app.test_client()
    response = _password_step(client, admin.username)
    assert response.headers["Location"].endswith("/login/two-factor")
    assert client.get("/dashboard").status_code == 302  # not signed in with the password alone
    response = _code_step(client, "123456")
    assert response.status_code == 400 and "验证码错误或已被使用" in response.get_data(as_text=True)
    code = totp_code(admin.username)
    assert _code_step(client, code).headers["Location"].endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200

    # the same code again is refused (replay); a recovery code works once
    other = app.test_client()
    _password_step(other, admin.username)
    assert _code_step(other, code).status_code == 400
    response = _code_step(other, codes[3].upper().replace("-", " "))  # however it is typed
    assert response.status_code == 302
    assert "还剩 9 个" in other.get("/dashboard").get_data(as_text=True)
    third = app.test_client()
    _password_step(third, admin.username)
    assert _code_step(third, codes[3]).status_code == 400


def test_the_pending_step_expires_and_follows_the_account(app, client, monkeypatch, roles):
    roles("admin")
    admin = make_user(Role.admin)
    db.session.commit()
    first = app.test_client()
    Auth(first).login(admin.username)
    _enrol(first)
    _password_step(client, admin.username)
    import marketplace.views.auth as views

    later = int(time.time()) + 301
    monkeypatch.setattr(views, "_now", lambda: later)
    response = client.get("/login/two-factor")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_required_roles_come_from_the_configuration(app, client, roles):
    roles("street, expert")
    street, department, admin = make_user(Role.street), make_user(Role.department), make_user(Role.admin)
    db.session.commit()
    assert twofactor.required(street) and not twofactor.required(department) and not twofactor.required(admin)
    Auth(client).login(street.username)
    assert client.get("/dashboard").headers["Location"].endswith("/account/two-factor")
    other = app.test_client()
    Auth(other).login(department.username)
    assert other.get("/dashboard").status_code == 200
    # anyone may switch it on, and off again when the role does not require it
    _enrol(other)
    page = other.get("/account/two-factor").get_data(as_text=True)
    assert "关闭双重验证" in page
    response = other.post("/account/two-factor", data={"action": "off", "off-code": totp_code(department.username),
                                                       "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert not twofactor.enrolled(db.session.get(User, department.id))
    # in production the district administrator always needs it, whatever the setting says
    app.config["APP_ENV"] = "production"
    try:
        roles("")
        assert twofactor.required(admin) and not twofactor.required(street)
    finally:
        app.config["APP_ENV"] = "testing"


def test_idle_and_absolute_session_lifetimes(app, client):
    user = make_user(Role.street)
    db.session.commit()
    Auth(client).login(user.username)
    assert client.get("/dashboard").status_code == 200
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session["seen_at"] -= idle + 5
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "会话已结束" in client.get("/login").get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302  # signed out for good

    Auth(client).login(user.username)
    with client.session_transaction() as session:
        session["auth_at"] -= app.config["SESSION_MAX_HOURS"] * 3600 + 5  # active all along, but too old
    assert client.get("/dashboard").status_code == 302


def test_keep_me_signed_in_is_bounded_by_the_absolute_lifetime(app, client):
    user = make_user(Role.organization)
    db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": user.username, "password": "Quiet-harbour-47",
                                           "remember": "y", "csrf_token": csrf_token_from(page)})
    cookies = response.headers.getlist("Set-Cookie")
    assert not any(c.startswith("remember_token") for c in cookies)  # no cookie outliving the limits
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "Expires=" in session_cookie
    assert app.permanent_session_lifetime.total_seconds() == app.config["SESSION_MAX_HOURS"] * 3600


def test_the_administrator_ends_a_persons_sessions_and_resets_two_factor(app, roles):
    roles("expert")
    admin, expert = make_user(Role.admin), make_user(Role.expert)
    db.session.commit()
    person = app.test_client()
    Auth(person).login(expert.username)
    _enrol(person)
    assert person.get("/dashboard").status_code == 200

    console = app.test_client()
    Auth(console).login(admin.username)
    page = console.get("/admin/user/").get_data(as_text=True)
    assert "结束其全部会话" in page and "重置双重验证" in page
    response = console.post("/admin/user/action/", data={"action": "end_sessions", "rowid": str(expert.id),
                                                         "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert person.get("/dashboard").status_code == 302  # signed out on every device
    Auth(person).login(expert.username)  # (with its code)
    assert person.get("/dashboard").status_code == 200

    response = console.post("/admin/user/action/", data={"action": "reset_two_factor", "rowid": str(expert.id),
                                                         "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert not twofactor.enrolled(db.session.get(User, expert.id))
    assert person.get("/dashboard").status_code == 302
    Auth(person).login(expert.username)  # the password alone, then enrolment again
    assert person.get("/dashboard").headers["Location"].endswith("/account/two-factor")
    from marketplace.models import AuditEntry

    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"user.two_factor_enabled", "user.sessions_ended", "user.two_factor_reset"} <= actions


def test_others_cannot_use_the_console_actions(app, roles):
    street, expert = make_user(Role.street), make_user(Role.expert)
    db.session.commit()
    client = app.test_client()
    Auth(client).login(street.username)
    page = client.get("/dashboard").get_data(as_text=True)
    response = client.post("/admin/user/action/", data={"action": "end_sessions", "rowid": str(expert.id),
                                                        "csrf_token": csrf_token_from(page)})
    assert response.status_code == 403


def test_the_server_resets_a_locked_out_administrator_and_prints_the_demo_code(app, runner, roles):
    roles("admin")
    admin = make_user(Role.admin)
    db.session.commit()
    client = app.test_client()
    Auth(client).login(admin.username)
    _enrol(client)
    result = runner.invoke(args=["two-factor", "reset", admin.username])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert not twofactor.enrolled(db.session.get(User, admin.id))
    assert client.get("/dashboard").status_code == 302  # its sessions ended
    assert runner.invoke(args=["two-factor", "reset", "nobody"]).exit_code != 0
    from marketplace.demo import DEMO_TOTP_SECRET

    result = runner.invoke(args=["two-factor", "demo-code"])
    assert pyotp.TOTP(DEMO_TOTP_SECRET).verify(result.output.strip(), valid_window=1)
