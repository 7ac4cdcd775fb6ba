from marketplace.extensions import db
from marketplace.models import Role, VerificationStatus
from tests.factories import make_category, make_org, make_street, make_user


def test_home_is_chinese_and_shows_the_five_stages(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    for stage in ("评榜", "发榜", "揭榜", "承榜", "考榜"):
        assert stage in page


def test_only_verified_organizations_are_public(client):
    shown = make_org(name="公开的服务中心")
    hidden = make_org(name="待审核的服务中心", status=VerificationStatus.pending)
    rejected = make_org(name="被驳回的服务中心", status=VerificationStatus.rejected)
    db.session.commit()
    page = client.get("/organizations/").get_data(as_text=True)
    assert shown.name in page and hidden.name not in page and rejected.name not in page
    assert client.get(f"/organizations/{shown.id}").status_code == 200
    assert client.get(f"/organizations/{hidden.id}").status_code == 404
    assert client.get(f"/organizations/{rejected.id}").status_code == 404
    assert client.get("/organizations/999999").status_code == 404


def test_an_organization_sees_its_own_pending_profile_but_not_anothers(client, auth):
    mine = make_org(status=VerificationStatus.pending)
    other = make_org(status=VerificationStatus.pending)
    user = make_user(Role.organization, organization_id=mine.id)
    db.session.commit()
    auth.login(user.username)
    assert client.get(f"/organizations/{mine.id}").status_code == 200
    assert client.get(f"/organizations/{other.id}").status_code == 404


def test_contact_details_are_private(client, auth):
    org = make_org()
    org.contact_phone = "13912345678"
    member = make_user(Role.organization, organization_id=org.id)
    outsider = make_user(Role.organization)
    db.session.commit()
    assert "13912345678" not in client.get(f"/organizations/{org.id}").get_data(as_text=True)
    auth.login(outsider.username)
    assert "13912345678" not in client.get(f"/organizations/{org.id}").get_data(as_text=True)
    auth.post("/logout")
    auth.login(member.username)
    assert "13912345678" in client.get(f"/organizations/{org.id}").get_data(as_text=True)


def test_filters_by_street_category_alliance_and_name(client):
    street, category = make_street(), make_category()
    a = make_org(name="甲社工中心")
    a.streets, a.categories = [street], [category]
    b = make_org(name="乙志愿者协会")
    db.session.commit()
    page = client.get(f"/organizations/?street={street.id}").get_data(as_text=True)
    assert a.name in page and b.name not in page
    page = client.get(f"/organizations/?category={category.id}").get_data(as_text=True)
    assert a.name in page and b.name not in page
    page = client.get("/organizations/?q=志愿").get_data(as_text=True)
    assert b.name in page and a.name not in page
    # junk in filters is ignored, never a 500
    assert client.get("/organizations/?street=abc&alliance=nope&page=-3").status_code == 200


def test_rules_page_shows_the_values_in_force(client):
    page = client.get("/rules").get_data(as_text=True)
    assert "紧迫性" in page and "红榜加分" in page and "权重合计为 100" in page


def test_unknown_pages_get_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_home_lists_only_projects_still_open_for_bids(client):
    """揭榜中 on the home page: a project past its bidding deadline reads as closed everywhere, so it is
    not offered there; the district's figures count what is published."""
    from datetime import timedelta
    from decimal import Decimal

    from marketplace.domain.core import clock
    from marketplace.models import Project, ProjectStatus, Regime

    street, category = make_street(), make_category()
    for code, days in (("LCXM-2026-0901", 5), ("LCXM-2026-0902", -1)):
        deadline = clock.now() + timedelta(days=days)
        db.session.add(Project(code=code, title=f"开放项目{code[-1]}", scope="-", outputs="-", budget_cap=Decimal("1000"),
                               category_id=category.id, street_id=street.id, regime=Regime.community_fund,
                               bid_deadline=deadline, qa_deadline=deadline - timedelta(days=2), criteria={"plan": 100},
                               status=ProjectStatus.bidding, published_at=clock.now() - timedelta(days=10)))
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "开放项目1" in page and "开放项目2" not in page
    assert "<strong>2</strong><span>个项目已发榜</span>" in page
