from datetime import date
from decimal import Decimal

from marketplace.domain.credit import ledger, lists
from marketplace.domain.orgs import standing
from marketplace.extensions import db
from marketplace.models import CreditEvent, ListPeriod, ListStatus, Role
from tests.conftest import Auth, csrf_token_from
from tests.factories import bare_project, bidder, make_org, make_user, published_project


def _client(app, user):
    c = app.test_client()
    Auth(c).login(user.username)
    return c


def test_compute_publish_appeal_through_the_pages(app):
    admin = make_user(Role.admin)
    member = bidder()
    org = member.organization
    db.session.add(CreditEvent(organization_id=org.id, kind=ledger.EVALUATION, points=Decimal(45), reason="不合格",
                               occurred_on=date(2026, 10, 20), project_id=bare_project()))
    star = make_org(name="红榜服务中心")
    db.session.add(CreditEvent(organization_id=star.id, kind=ledger.EVALUATION, points=Decimal(95), reason="优秀",
                               occurred_on=date(2026, 10, 20), project_id=bare_project()))
    project, _ = published_project()
    db.session.commit()
    desk = _client(app, admin)
    page = desk.get("/district/lists").get_data(as_text=True)
    bad = desk.post("/district/lists", data={"csrf_token": csrf_token_from(page), "period": "2030Q1"})
    assert bad.status_code == 400 and "尚未开始" in bad.get_data(as_text=True) and 'value="2030Q1"' in bad.get_data(as_text=True)
    desk.post("/district/lists", data={"csrf_token": csrf_token_from(page), "period": "2026q4"})
    draft = desk.get("/district/lists?period=2026Q4").get_data(as_text=True)
    assert "本期有考榜结果为不合格" in draft and "红榜服务中心" in draft
    assert app.test_client().get("/lists").get_data(as_text=True).count("红榜服务中心") == 0  # drafts are not public
    desk.post("/district/lists/2026Q4/publish", data={"csrf_token": csrf_token_from(draft)})
    public = app.test_client().get("/lists").get_data(as_text=True)
    assert "红榜服务中心" in public and org.name in public and "前不得揭榜" in public
    csv = app.test_client().get("/lists/export.csv").data.decode("utf-8-sig")
    assert org.uscc in csv
    # the black-listed organization is refused, with the reason and the date
    c = _client(app, member)
    assert "已列入平台黑榜" in c.get(f"/projects/{project.code}").get_data(as_text=True)
    mine = c.get("/my/credit").get_data(as_text=True)
    assert "信用分：45.00" in mine
    entry_id = standing.active_black(org.id).id
    c.post("/my/credit", data={"csrf_token": csrf_token_from(mine), "entry_id": entry_id, "repair": "0",
                               "text": "该不合格评价的评分表录入错误，附原始评分表。"})
    desk_page = desk.get("/district/lists").get_data(as_text=True)
    assert "该不合格评价的评分表录入错误" in desk_page
    appeal_id = db.session.scalar(db.select(lists.Appeal.id))
    desk.post(f"/district/appeals/{appeal_id}", data={"csrf_token": csrf_token_from(desk_page), "uphold": "1",
                                                      "reason": "经核实录入错误，移出黑榜。"})
    assert "您的组织可以参与本项目揭榜" in c.get(f"/projects/{project.code}").get_data(as_text=True)
    assert "经核实录入错误" in app.test_client().get("/lists").get_data(as_text=True)


def test_only_the_administrator_has_the_desk_and_only_its_own_entries_are_appealed(app):
    admin = make_user(Role.admin)
    member, other = bidder(), bidder()
    db.session.add(CreditEvent(organization_id=member.organization_id, kind="exit", points=-20, reason="退出",
                               occurred_on=date(2026, 10, 20)))
    db.session.commit()
    period = lists.compute(admin, "2026Q4")
    lists.publish(admin, period)
    db.session.commit()
    for role in (Role.street, Role.organization, Role.expert, Role.secretary):
        c = _client(app, make_user(role))
        assert c.get("/district/lists").status_code == 403
        assert Auth(c).post("/district/lists/2026Q4/publish").status_code in (403, 302)
    c = _client(app, other)
    page = c.get("/my/credit").get_data(as_text=True)
    response = c.post("/my/credit", data={"csrf_token": csrf_token_from(page), "entry_id": period.entries[0].id,
                                          "text": "冒充别人的组织申诉内容足够长"})
    assert response.status_code == 404
    assert db.session.scalar(db.select(db.func.count(lists.Appeal.id))) == 0
    assert db.session.get(ListPeriod, period.id).status is ListStatus.published


def test_a_long_list_shows_its_first_entries_with_the_count_and_a_name_search(app, monkeypatch):
    from marketplace.views import lists as view

    monkeypatch.setattr(view, "SHOWN_PER_LIST", 2)
    admin = make_user(Role.admin)
    names = ["甲服务社", "乙服务社", "丙服务社", "丁关爱中心"]
    for name in names:
        org = make_org(name=name)
        db.session.add(CreditEvent(organization_id=org.id, kind=ledger.EVALUATION, points=Decimal(95), reason="优秀",
                                   occurred_on=date(2026, 10, 20), project_id=bare_project()))
    db.session.flush()
    lists.publish(admin, lists.compute(admin, "2026Q4"))
    db.session.commit()
    page = app.test_client().get("/lists").get_data(as_text=True)
    assert sum(name in page for name in names) == 2 and "(4)" in page and "共 4 条中的前 2 条" in page
    found = app.test_client().get("/lists?q=关爱").get_data(as_text=True)
    assert "丁关爱中心" in found and "甲服务社" not in found and "(1)" in found and "前 2 条" not in found
    csv = app.test_client().get("/lists/export.csv").data.decode("utf-8-sig")
    assert all(name in csv for name in names)  # the export stays whole
    odd = app.test_client().get("/lists?q=%25_" + "长" * 80)
    assert odd.status_code == 200 and "甲服务社" not in odd.get_data(as_text=True)
