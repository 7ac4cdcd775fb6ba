"""供需精准匹配 over the platform's catalogue: listed items only, everyday words bridged, the need's
street weighed, reasons in Chinese, and 为您推荐 for an organization."""

from __future__ import annotations

from marketplace.domain.supply import catalogue, match
from marketplace.extensions import db
from marketplace.models import Category, Role, ServiceStatus
from tests.factories import listed_service, make_community, make_need, make_street, make_user, service_data


def _categories():
    out = {}
    for code, name in (("elderly", "为老服务"), ("legal", "法律服务与矛盾调解"), ("youth", "未成年人保护")):
        out[code] = Category(code=code, name=name, name_en=code)
        db.session.add(out[code])
    db.session.flush()
    return out


def _catalogue():
    cats = _categories()
    north, south = make_street("北街道"), make_street("南街道")
    bath = listed_service(category=cats["elderly"], streets=[north])
    meals = listed_service(category=cats["elderly"], name="老年助餐配送服务", description="每日为行动不便的老人送餐上门，少油少盐",
                           audience="高龄独居老人")
    mediation = listed_service(category=cats["legal"], name="邻里纠纷人民调解", description="调解员上门化解邻里矛盾、家庭纠纷",
                               audience="有矛盾纠纷的居民家庭")
    return cats, north, south, bath, meals, mediation


def test_everyday_words_find_the_catalogue_service_with_reasons():
    _cats, north, _south, bath, meals, mediation = _catalogue()
    assert match.rank("老人自己洗澡不方便", street="北街道")[0].service == bath
    assert match.rank("想给楼里的老人送饭")[0].service == meals
    top = match.rank("楼上楼下经常吵架", street="北街道")[0]
    assert top.service == mediation
    assert any("匹配词" in r or "调解" in r for r in top.reasons), top.reasons
    assert any("覆盖北街道" in r for r in top.reasons), top.reasons


def test_only_listed_services_are_ranked():
    _cats, _north, _south, bath, _meals, _mediation = _catalogue()
    catalogue.pause(make_user(Role.admin), bath)
    assert bath not in [f.service for f in match.rank("老人洗澡")]
    draft = catalogue.create(make_user(Role.organization), service_data(name="上门助浴（草稿）",
                                                                         category=_cats["elderly"]))
    assert draft.status is ServiceStatus.draft and draft not in [f.service for f in match.rank("老人洗澡")]


def test_a_service_that_does_not_cover_the_street_ranks_below():
    cats, north, south, bath, _meals, _mediation = _catalogue()
    everywhere = listed_service(category=cats["elderly"], name="全区助浴", description="上门助浴，为失能老人洗澡擦身")
    assert [f.service for f in match.rank("老人洗澡", street="南街道")][0] == everywhere
    assert [f.service for f in match.rank("老人洗澡", street="北街道")][0] in (bath, everywhere)


def test_a_need_page_match_and_recommendations_for_an_organization():
    cats, north, _south, bath, _meals, _mediation = _catalogue()
    secretary = make_user(Role.secretary, community_id=make_community(street=north).id)
    need = make_need(secretary, title="老人洗澡难", description="楼里好几位瘫在床上的老人，家里人没法给他们洗澡",
                     beneficiaries="卧床老人", category_id=cats["elderly"].id)
    found = match.for_need(need)
    assert found[0].service == bath
    org = bath.organization
    recommended = match.recommend(org)
    assert [r.code for r in recommended][:1] == [need.code]
    assert any(bath.name in r for r in recommended[0].reasons)
