"""Every admin URL for every role: anonymous → sign-in page, other roles → 403, administrator → 200."""

from datetime import date

import pytest

from marketplace.domain.core import audit
from marketplace.extensions import db
from marketplace.models import (
    Affiliation,
    AffiliationKind,
    AuditEntry,
    CreditEvent,
    ExpertProfile,
    LocalDayOff,
    NationalList,
    NationalListEntry,
    ReportTemplate,
    Role,
    Setting,
    Street,
)
from tests.conftest import Auth, csrf_token_from
from tests.factories import make_category, make_community, make_org, make_user


def admin_urls(app, ids):
    """Every GET page of the console; model views also with their details/edit forms."""
    urls = set()
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if not rule.rule.startswith("/admin") or "GET" not in rule.methods or "static" in rule.endpoint:
            continue
        if rule.arguments:
            continue
        if rule.endpoint.endswith((".edit_view", ".details_view")):
            if blueprint not in ids:  # a view without an id here: every model view must have one
                raise AssertionError(f"give the walk a {blueprint} to open")
            urls.add(f"{rule.rule}?id={ids[blueprint]}")
        else:
            urls.add(rule.rule)
    return sorted(urls)


@pytest.fixture
def world():
    community = make_community()
    org = make_org()
    users = {role: make_user(role) for role in Role}
    expert = users[Role.expert]
    profile = ExpertProfile(user_id=expert.id, fields="社会工作")
    tie = Affiliation(user_id=expert.id, organization_id=org.id, kind=AffiliationKind.board,
                      started_on=date(2024, 1, 1))
    listed = NationalListEntry(organization_id=org.id, kind=NationalList.abnormal,
                               listed_on=date(2026, 1, 5), source="公告")
    template = ReportTemplate(title="结项报告", sections="origin,evaluation")
    event = CreditEvent(organization_id=org.id, kind="exit", points=-20, reason="测试", occurred_on=date(2026, 1, 1))
    day_off = LocalDayOff(day=date(2026, 12, 24), reason="区庆日")
    db.session.add_all([profile, tie, listed, template, event, day_off])
    db.session.flush()
    db.session.commit()
    ids = {"street": community.street_id, "community": community.id, "organization": org.id,
           "user": users[Role.admin].id, "expertprofile": expert.id, "affiliation": tie.id,
           "nationallistentry": listed.id, "department": users[Role.department].department_id,
           "category": make_category().id,
           "auditentry": db.session.scalar(db.select(AuditEntry.id).limit(1)),
           "reporttemplate": template.id, "creditevent": event.id, "localdayoff": day_off.id}
    db.session.commit()
    return users, ids


def test_every_admin_url_for_every_role(app, world):
    users, ids = world
    urls = admin_urls(app, ids)
    assert len(urls) > 25, urls  # the walk really covers the console
    anonymous = app.test_client()
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login" in response.location, url
    for role, user in users.items():
        client = app.test_client()
        Auth(client).login(user.username)
        for url in urls:
            response = client.get(url)
            status = response.status_code
            if role is not Role.admin:
                assert status == 403, (role, url)
            elif "/ajax/" in url:  # lookups answer 404 without a configured lookup name
                assert status in (200, 404), url
            elif status == 302:  # read-only views send edit/new back to their list
                assert response.location.startswith("/admin/") and ("/edit/" in url or "/new/" in url), url
            else:
                assert status == 200, url


def test_admin_edits_are_audited_with_old_and_new_values(app, world):
    users, ids = world
    client = app.test_client()
    Auth(client).login(users[Role.admin].username)
    page = client.get(f"/admin/street/edit/?id={ids['street']}").get_data(as_text=True)
    old_name = db.session.get(Street, ids["street"]).name
    response = client.post(f"/admin/street/edit/?id={ids['street']}", data={
        "name": "新命名街道", "code": "NEW1", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Street, ids["street"]).name == "新命名街道"
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "admin.updated")).one()
    assert audit.details(entry)["changes"]["name"] == [old_name, "新命名街道"]
    assert entry.actor_id == users[Role.admin].id


def test_admin_posts_need_the_csrf_token(app, world):
    users, ids = world
    client = app.test_client()
    Auth(client).login(users[Role.admin].username)
    response = client.post(f"/admin/street/edit/?id={ids['street']}", data={"name": "x", "code": "y"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Street, ids["street"]).name != "x"


def test_nothing_can_be_deleted_from_the_console(app, world):
    deletes = [r.rule for r in app.url_map.iter_rules()
               if r.rule.startswith("/admin") and r.endpoint.endswith(".delete_view")]
    users, ids = world
    client = app.test_client()
    Auth(client).login(users[Role.admin].username)
    page = client.get("/dashboard").get_data(as_text=True)
    for url in deletes:
        client.post(url, data={"id": ids["street"], "csrf_token": csrf_token_from(page)})
    db.session.expire_all()
    assert db.session.get(Street, ids["street"]) is not None


def test_rules_form_refuses_bad_weights_and_keeps_the_input(app, world):
    users, _ids = world
    client = app.test_client()
    Auth(client).login(users[Role.admin].username)
    page = client.get("/admin/rules/").get_data(as_text=True)
    data = {"group": "need_weights", "need.weight.urgency": "50", "need.weight.reach": "25",
            "need.weight.feasibility": "25", "need.weight.cost": "20", "csrf_token": csrf_token_from(page)}
    response = client.post("/admin/rules/", data=data)
    html = response.get_data(as_text=True)
    assert "各项权重合计为 120，必须等于 100" in html and 'value="50"' in html
    assert db.session.scalar(db.select(db.func.count(Setting.key))) == 0
    data["need.weight.urgency"] = "abc"
    html = client.post("/admin/rules/", data=data).get_data(as_text=True)
    assert "请输入数字" in html and 'value="abc"' in html
    data["need.weight.urgency"], data["need.weight.cost"] = "35", "15"
    assert client.post("/admin/rules/", data=data).status_code == 302
    assert "35" in client.get("/rules").get_data(as_text=True)
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "rules.changed")).one()
    assert audit.details(entry)["changes"] == {"need.weight.urgency": ["30", "35"], "need.weight.cost": ["20", "15"]}


def test_admin_creates_a_secretary_only_with_a_community(app, world):
    users, ids = world
    client = app.test_client()
    Auth(client).login(users[Role.admin].username)
    page = client.get("/admin/user/new/").get_data(as_text=True)
    base = {"username": "newsec", "display_name": "新书记", "role": "secretary", "active": "y",
            "new_password": "Secret-lantern-123", "csrf_token": csrf_token_from(page)}
    html = client.post("/admin/user/new/", data=base, follow_redirects=True).get_data(as_text=True)
    assert "必须指定" in html
    from marketplace.domain.core import accounts

    assert accounts.find_user("newsec") is None
    client.post("/admin/user/new/", data={**base, "community": str(ids["community"])})
    created = accounts.find_user("newsec")
    assert created is not None and created.community_id == ids["community"]
    assert created.password_hash.startswith("$argon2id$")
    assert Auth(app.test_client()).login("newsec", "Secret-lantern-123").status_code == 302


def test_the_console_is_in_chinese_with_its_landmarks(app, world):
    """Labels and enums in Chinese (人员, not 人数), the page's language set, banner/navigation/main."""
    users, ids = world
    client = app.test_client()
    Auth(client).login(users[Role.admin].username)
    index = client.get("/admin/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in index and "<main" in index and "<header>" in index
    assert "人员" in index and "人数" not in index and "Toggle navigation" not in index
    form = client.get("/admin/organization/new/").get_data(as_text=True)
    for english in ("Grade Review Reason", "Legal Representative", "Contact Email", ">social_group<", 'action=""',
                    "X-UA-Compatible", "Social group"):
        assert english not in form, english
    assert "法定代表人" in form and "社会团体" in form
    listing = client.get("/admin/affiliation/").get_data(as_text=True)
    body = listing.split("<tbody", 1)[-1]
    assert ">board<" not in body and "理事" in body, body[:3000]
    details = client.get(f"/admin/expertprofile/details/?id={ids['expertprofile']}").get_data(as_text=True)
    assert "Third Party" not in details and "第三方评估" in details and "否" in details
