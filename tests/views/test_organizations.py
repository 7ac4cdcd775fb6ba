from marketplace.extensions import db
from marketplace.models import AuditEntry, Organization, Role, User, VerificationStatus
from tests.conftest import csrf_token_from
from tests.factories import make_category, make_org, make_street, make_user, valid_code


def _form(client, **overrides):
    page = client.get("/register").get_data(as_text=True)
    data = {"name": "李沧区晨曦社会工作服务中心", "uscc": valid_code(), "org_type": "private_non_enterprise",
            "registered_on": "2019-03-01", "legal_representative": "周敏", "contact_name": "陈丽",
            "contact_phone": "13900000000", "contact_email": "", "address": "", "alliance": "volunteers",
            "description": "", "display_name": "陈丽", "username": "chenxi", "password": "Secret-lantern-123",
            "confirm": "Secret-lantern-123", "csrf_token": csrf_token_from(page)}
    data.update(overrides)
    return data


def test_an_organization_registers_itself_and_waits(client):
    category, street = make_category(), make_street()
    db.session.commit()
    data = _form(client, category_ids=[str(category.id)], street_ids=[str(street.id)])
    response = client.post("/register", data=data)
    assert response.status_code == 302 and response.location == "/my/organization"
    page = client.get("/my/organization").get_data(as_text=True)
    assert "等待区级审核" in page
    org = db.session.scalars(db.select(Organization)).one()
    assert org.status is VerificationStatus.pending and org.uscc == data["uscc"]
    assert [c.id for c in org.categories] == [category.id]
    assert db.session.scalars(db.select(User)).one().role is Role.organization


def test_a_malformed_code_is_explained_and_the_input_kept(client):
    bad = valid_code()[:17] + "Z"
    response = client.post("/register", data=_form(client, uscc=bad))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "不允许的字符" in page
    assert 'value="李沧区晨曦社会工作服务中心"' in page and f'value="{bad}"' in page
    assert db.session.scalar(db.select(db.func.count(Organization.id))) == 0
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_a_duplicate_code_is_refused_and_nothing_saved(client):
    existing = make_org()
    db.session.commit()
    response = client.post("/register", data=_form(client, uscc=existing.uscc))
    assert response.status_code == 400 and "已注册" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Organization.id))) == 1
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_overlong_fields_and_a_taken_username_are_reported(client):
    make_user(Role.resident, username="taken")
    db.session.commit()
    response = client.post("/register", data=_form(client, name="长" * 200))
    assert response.status_code == 400 and "128" in response.get_data(as_text=True)
    response = client.post("/register", data=_form(client, username="taken"))
    assert response.status_code == 400 and "该用户名已被使用" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Organization.id))) == 0


def test_the_type_must_match_the_code(client):
    response = client.post("/register", data=_form(client, org_type="foundation"))
    assert response.status_code == 400 and "组织类型不符" in response.get_data(as_text=True)


def test_registration_is_rate_limited(app, client):
    statuses = [client.post("/register", data=_form(client, uscc="bad")).status_code for _ in range(6)]
    assert statuses[:5] == [400] * 5 and statuses[5] == 429


def test_the_administrator_verifies_an_organization(client, auth):
    admin = make_user(Role.admin)
    org = make_org(status=VerificationStatus.pending, name="待认证中心")
    db.session.commit()
    auth.login(admin.username)
    queue = client.get("/district/organizations").get_data(as_text=True)
    assert "待认证中心" in queue
    assert "待审核的社会组织" in client.get("/dashboard").get_data(as_text=True)
    response = auth.post(f"/district/organizations/{org.id}/verify",
                         page=f"/district/organizations/{org.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, org.id).status is VerificationStatus.verified
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "organization.verified"))


def test_rejection_needs_a_reason_and_the_organization_sees_it(app, client, auth):
    admin = make_user(Role.admin)
    org = make_org(status=VerificationStatus.pending)
    member = make_user(Role.organization, organization_id=org.id)
    db.session.commit()
    auth.login(admin.username)
    page = f"/district/organizations/{org.id}"
    response = auth.post(f"/district/organizations/{org.id}/reject", {"reason": ""}, page=page)
    assert response.status_code == 400 and "该字段是必填字段" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Organization, org.id).status is VerificationStatus.pending
    auth.post(f"/district/organizations/{org.id}/reject", {"reason": "登记证书已过期"}, page=page)
    auth.post("/logout")
    auth.login(member.username)
    mine = client.get("/my/organization").get_data(as_text=True)
    assert "登记证书已过期" in mine and "重新提交审核" in mine
    assert "注册未通过审核" in client.get("/dashboard").get_data(as_text=True)
    response = auth.post("/my/organization/resubmit", page="/my/organization")
    db.session.expire_all()
    assert db.session.get(Organization, org.id).status is VerificationStatus.pending


def test_other_roles_cannot_verify_and_nothing_changes(app, client):
    from tests.conftest import Auth

    org = make_org(status=VerificationStatus.pending)
    users = [make_user(role) for role in Role if role is not Role.admin]
    db.session.commit()
    for user in users:
        c = app.test_client()
        a = Auth(c)
        a.login(user.username)
        assert c.get("/district/organizations").status_code == 403
        assert c.get(f"/district/organizations/{org.id}").status_code == 403
        assert a.post(f"/district/organizations/{org.id}/verify").status_code == 403
        assert a.post(f"/district/organizations/{org.id}/reject", {"reason": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Organization, org.id).status is VerificationStatus.pending
    anonymous = app.test_client()
    assert anonymous.get("/district/organizations").status_code == 302


def test_an_organization_edits_only_its_own_profile(client, auth):
    org = make_org(name="原名称中心")
    member = make_user(Role.organization, organization_id=org.id)
    db.session.commit()
    auth.login(member.username)
    page = client.get("/my/organization/edit").get_data(as_text=True)
    assert 'value="原名称中心"' in page
    data = {"name": "新名称中心", "uscc": org.uscc, "org_type": org.org_type.value,
            "registered_on": "2018-05-01", "legal_representative": "张三", "contact_name": "李四",
            "contact_phone": "13800000000", "alliance": "", "csrf_token": csrf_token_from(page)}
    assert client.post("/my/organization/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, org.id).name == "新名称中心"
    # the resubmit action is refused while the organization is verified
    assert auth.post("/my/organization/resubmit", page="/my/organization").status_code == 403


def test_non_organization_users_get_403_on_my_organization(client, auth):
    user = make_user(Role.street)
    db.session.commit()
    auth.login(user.username)
    assert client.get("/my/organization").status_code == 403
    assert client.get("/my/organization/edit").status_code == 403
