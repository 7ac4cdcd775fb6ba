"""Request-wide protections: the proxy's client address (TRUSTED_PROXY_COUNT), sign-in limits per
address and per username, and the security headers on every kind of response."""

from __future__ import annotations

import re

import pytest

from marketplace.extensions import db
from marketplace.models import Role
from tests.conftest import Auth, csrf_token_from
from tests.factories import make_user

PROXY = {"REMOTE_ADDR": "127.0.0.1"}  # every request reaches the app from nginx on the same machine


@pytest.fixture
def behind_one_proxy(app):
    app.config["TRUSTED_PROXY_COUNT"] = 1
    yield
    app.config["TRUSTED_PROXY_COUNT"] = 0


def _attempts(client, username, address, n, password="wrong-password"):
    token = csrf_token_from(client.get("/login", environ_base=PROXY).get_data(as_text=True))
    return [client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                        headers={"X-Forwarded-For": address}, environ_base=PROXY).status_code
            for _ in range(n)]


def test_behind_a_proxy_one_client_locked_out_does_not_lock_out_the_district(app, behind_one_proxy):
    make_user(Role.street, username="street-a")
    make_user(Role.street, username="street-b")
    db.session.commit()
    attacker = app.test_client()
    assert _attempts(attacker, "street-a", "203.0.113.7", 11)[-1] == 429
    colleague = app.test_client()  # another office, another user, the same nginx
    assert _attempts(colleague, "street-b", "198.51.100.20", 1, password="Quiet-harbour-47") == [302]


def test_a_username_attacked_from_many_addresses_is_slowed_others_are_not(app, behind_one_proxy):
    make_user(Role.street, username="target")
    make_user(Role.street, username="bystander")
    db.session.commit()
    codes = [_attempts(app.test_client(), "target", f"203.0.113.{n}", 1)[0] for n in range(1, 13)]
    assert codes[:10] == [400] * 10 and codes[10:] == [429, 429]  # ten addresses, one guess each
    assert _attempts(app.test_client(), "TARGET ", "203.0.113.99", 1) == [429]  # the same account
    assert _attempts(app.test_client(), "bystander", "203.0.113.100", 1, password="Quiet-harbour-47") == [302]


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(app):
    make_user(Role.street, username="target")
    db.session.commit()
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    codes = [client.post("/login", data={"username": f"user{n}", "password": "x", "csrf_token": token},
                         headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(11)]
    assert codes[-1] == 429  # spoofed addresses change nothing: the connecting address is counted


def test_production_will_not_start_with_limits_counted_per_worker(monkeypatch):
    """Issue 11 §1: shared (Redis) storage in production — without RATELIMIT_STORAGE_URI every gunicorn
    worker would count sign-in failures on its own, multiplying the limits."""
    from marketplace.config import ProductionConfig

    for key, value in {"SECRET_KEY": "k" * 40, "DATABASE_URL": "postgresql://app@db.internal/district",
                       "AUDIT_SIGNING_KEY": "ab" * 32}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        ProductionConfig()
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    assert ProductionConfig().RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/0"


def test_a_misspelt_two_factor_role_stops_the_app_from_starting():
    """Issue 11 §7: TWO_FACTOR_ROLES=admin,experts would otherwise leave every expert on the password alone."""
    from marketplace import create_app

    with pytest.raises(RuntimeError, match="experts"):
        create_app("testing", TWO_FACTOR_ROLES="admin, experts")
    assert create_app("testing", TWO_FACTOR_ROLES="admin, Street,department,expert").config["TWO_FACTOR_ROLES"]


def test_successful_sign_ins_do_not_count(app):
    make_user(Role.street, username="daily")
    db.session.commit()
    for _ in range(12):
        client = app.test_client()
        assert Auth(client).login("daily").status_code == 302


@pytest.mark.parametrize("count,address,scheme", [(0, "127.0.0.1", "http"), (1, "203.0.113.5", "https"),
                                                  (2, "192.0.2.1", "https")])
def test_exactly_the_configured_number_of_proxies_is_trusted(app, count, address, scheme):
    from werkzeug.test import EnvironBuilder

    from marketplace.views.security import TrustedProxies

    seen = {}
    middleware = TrustedProxies(app)
    middleware.inner = lambda environ, start_response: seen.update(environ) or []
    environ = EnvironBuilder(headers={"X-Forwarded-For": "192.0.2.1, 203.0.113.5", "X-Forwarded-Proto": "https, https"},
                             environ_base=PROXY).get_environ()
    app.config["TRUSTED_PROXY_COUNT"] = count
    try:
        middleware(environ, None)
    finally:
        app.config["TRUSTED_PROXY_COUNT"] = 0
    assert (seen["REMOTE_ADDR"], seen["wsgi.url_scheme"]) == (address, scheme)


EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


@pytest.mark.parametrize("url", ["/", "/login", "/needs/", "/needs/export.csv", "/static/css/app.css",
                                 "/no-such-page", "/healthz", "/admin/"])
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (url, name)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # HTTP in development and tests


def test_production_adds_hsts(app, client):
    app.config["HSTS_SECONDS"] = 31536000
    try:
        assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    finally:
        app.config["HSTS_SECONDS"] = 0


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style[\s>]|\sstyle=\"|\son[a-z]+=\"|javascript:", re.I)


def test_the_pages_and_the_console_have_no_inline_script_or_style(app):
    admin = make_user(Role.admin, username="boss")
    db.session.commit()
    client = app.test_client()
    Auth(client).login(admin.username)
    for url in ("/", "/dashboard", "/needs/", "/projects/", "/organizations/", "/rules", "/lists", "/wish",
                "/admin/", "/admin/user/", "/admin/user/new/", "/admin/organization/",
                "/admin/rules/", "/admin/auditentry/"):
        response = client.get(url)
        assert response.status_code == 200, url
        found = INLINE.findall(response.get_data(as_text=True))
        assert found == [], (url, found[:3])



@pytest.mark.parametrize("host", ["h" * 100, "a..b.example", "..."])
def test_a_malformed_host_is_a_plain_400_not_a_server_error(app, host):
    """werkzeug refuses a Host it cannot read (a label over 63 characters, an empty label): no address
    can be built for that request, so the error page must not need one (it crashed: a bare 500)."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    environ = EnvironBuilder(path="/rules").get_environ()
    environ["HTTP_HOST"] = host  # (the test client itself cannot send it)
    body, status, headers = run_wsgi_app(app.wsgi_app, environ, buffered=True)
    assert status.startswith("400") and "请求" in b"".join(body).decode()
    assert headers["X-Frame-Options"] == "DENY"
