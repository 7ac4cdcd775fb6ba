"""/api/v1/match and /api/v1/services (anonymous, public data, rate limited), and matches on a need's
page for staff only."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.models import Category, Role
from tests.conftest import Auth
from tests.factories import PASSWORD, listed_service, make_community, make_need, make_street, make_user


def _catalogue():
    elderly = Category(code="elderly", name="为老服务", name_en="Elderly")
    legal = Category(code="legal", name="法律服务与矛盾调解", name_en="Legal")
    db.session.add_all([elderly, legal])
    north = make_street("北街道")
    bath = listed_service(category=elderly, streets=[north])
    mediation = listed_service(category=legal, name="邻里纠纷人民调解", description="调解员上门化解邻里矛盾",
                               audience="有纠纷的居民")
    db.session.commit()
    return elderly, north, bath, mediation


def test_match_answers_best_first_with_reasons(client):
    _elderly, _north, bath, mediation = _catalogue()
    body = client.get("/api/v1/match?q=老人洗澡不方便&street=北街道").get_json()
    first = body["results"][0]
    assert first["service_name"] == bath.name and first["organization_uscc"] == bath.organization.uscc
    assert first["category"] == "为老服务" and first["streets"] == ["北街道"]
    assert isinstance(first["score"], float) and any("助浴" in r for r in first["reasons"])
    assert [r["service_name"] for r in body["results"]][:1] == [bath.name]
    scores = [r["score"] for r in client.get("/api/v1/match?q=吵架&limit=1").get_json()["results"]]
    assert len(scores) == 1
    assert client.get("/api/v1/match?q=吵架").get_json()["results"][0]["service_name"] == mediation.name


def test_match_refuses_bad_input_clearly(client):
    _catalogue()
    assert client.get("/api/v1/match").status_code == 400
    assert "street" in client.get("/api/v1/match?q=洗澡&street=火星街道").get_json()["error"]
    assert client.get("/api/v1/match?q=洗澡&limit=abc").status_code == 400
    assert client.get("/api/v1/match?q=" + "洗" * 600).status_code == 400
    assert client.get("/api/v1/match?q=洗澡&limit=-5").status_code == 200


def test_match_is_rate_limited(app, client):
    _catalogue()
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.get("/api/v1/match?q=洗澡").status_code for _ in range(5)]
    finally:
        app.config["API_RATE_LIMIT"] = "60 per minute"
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429


def test_services_api_paginates_with_the_list_filters(client):
    elderly, north, bath, mediation = _catalogue()
    body = client.get("/api/v1/services").get_json()
    assert body["total"] == 2 and {r["code"] for r in body["results"]} == {bath.code, mediation.code}
    only = client.get(f"/api/v1/services?category={elderly.id}").get_json()
    assert [r["name"] for r in only["results"]] == [bath.name] and only["results"][0]["price"] == "120.00"


def test_the_need_page_shows_matching_services_to_staff_only(app, client):
    elderly, north, bath, _mediation = _catalogue()
    secretary = make_user(Role.secretary, username="sec1", community_id=make_community(street=north).id)
    need = make_need(secretary, title="老人洗澡难", description="卧床老人家里没法洗澡", category_id=elderly.id)
    db.session.commit()
    assert bath.name not in client.get(f"/needs/{need.code}").get_data(as_text=True)
    Auth(client).login("sec1", PASSWORD)
    page = client.get(f"/needs/{need.code}").get_data(as_text=True)
    assert "供需精准匹配" in page and bath.name in page
