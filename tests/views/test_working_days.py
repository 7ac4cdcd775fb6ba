"""The working-day calendar in the pages: local days off kept by the administrator in the console
(audited), listed on /rules; a year without the State Council's data is said out loud."""

from datetime import date, datetime, timezone

from marketplace.domain.core import clock
from marketplace.extensions import db
from marketplace.models import AuditEntry, LocalDayOff, Role
from tests.conftest import Auth, csrf_token_from
from tests.factories import make_user

GAP = "尚未纳入平台日历"


def admin_client(app):
    admin = make_user(Role.admin)
    db.session.commit()
    client = app.test_client()
    Auth(client).login(admin.username)
    return client, admin


def test_the_administrator_records_a_local_day_off_audited_and_public(app):
    client, admin = admin_client(app)
    page = client.get("/admin/localdayoff/new/").get_data(as_text=True)
    assert "日期" in page and "理由" in page and "生效" in page  # Chinese labels
    form = {"day": "2026-12-24", "reason": "  区庆日 ", "active": "y", "csrf_token": csrf_token_from(page)}
    assert client.post("/admin/localdayoff/new/", data=form).status_code == 302
    day_off = db.session.scalar(db.select(LocalDayOff))
    assert day_off.day == date(2026, 12, 24) and day_off.reason == "区庆日"
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "admin.created")).one()
    assert entry.actor_id == admin.id and entry.subject_type == "local_days_off"
    assert clock.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 25)
    rules_page = app.test_client().get("/rules").get_data(as_text=True)
    assert "2026-12-24" in rules_page and "区庆日" in rules_page

    html = client.post("/admin/localdayoff/new/", data={**form, "reason": "重复"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已经存在" in html and "重复" in html  # refused on the date field, the input kept
    assert db.session.scalar(db.select(db.func.count(LocalDayOff.id))) == 1

    html = client.post("/admin/localdayoff/new/", data={**form, "day": "2026-12-25", "reason": " "},
                       follow_redirects=True).get_data(as_text=True)
    assert "请填写放假原因" in html
    assert db.session.scalar(db.select(db.func.count(LocalDayOff.id))) == 1


def test_a_cancelled_day_off_is_kept_but_no_longer_counts(app):
    day_off = LocalDayOff(day=date(2026, 12, 24), reason="区庆日", active=False)
    db.session.add(day_off)
    db.session.commit()
    assert "区庆日" not in app.test_client().get("/rules").get_data(as_text=True)
    assert clock.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 24)


def test_rules_page_explains_the_calendar_and_warns_when_a_year_has_no_data(client):
    with clock.frozen(datetime(2026, 6, 1, 2, tzinfo=timezone.utc)):
        page = client.get("/rules").get_data(as_text=True)
    assert "工作日" in page and "调休" in page and GAP not in page
    with clock.frozen(datetime(2099, 6, 1, 2, tzinfo=timezone.utc)):
        page = client.get("/rules").get_data(as_text=True)
    assert GAP in page and "2099" in page


def test_the_administrators_dashboard_and_console_warn_when_a_year_has_no_data(app):
    client, _admin = admin_client(app)
    with clock.frozen(datetime(2026, 6, 1, 2, tzinfo=timezone.utc)):
        assert GAP not in client.get("/dashboard").get_data(as_text=True)
        assert GAP not in client.get("/admin/").get_data(as_text=True)
    with clock.frozen(datetime(2099, 6, 1, 2, tzinfo=timezone.utc)):
        dashboard = client.get("/dashboard").get_data(as_text=True)
        console = client.get("/admin/").get_data(as_text=True)
    assert GAP in dashboard and "/admin/localdayoff/" in dashboard
    assert GAP in console and "2099" in console
    other = make_user(Role.street)
    db.session.commit()
    street = app.test_client()
    Auth(street).login(other.username)
    with clock.frozen(datetime(2099, 6, 1, 2, tzinfo=timezone.utc)):
        assert GAP not in street.get("/dashboard").get_data(as_text=True)
