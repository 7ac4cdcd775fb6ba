import re
from datetime import timedelta

from marketplace.domain.core import clock
from marketplace.domain.tender import projects
from marketplace.domain.core.clock import LOCAL_TZ
from marketplace.extensions import db
from marketplace.models import NeedStatus, Notification, Project, ProjectStatus, Question, Role
from tests.conftest import Auth, csrf_token_from
from tests.factories import approved_need, make_org, make_user, project_data


def local(dt):
    return dt.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def _form(c, need, **overrides):
    page = c.get(f"/projects/new?need={need.code}").get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page).group(1)
    now = clock.now()
    data = {"need_ids": [str(need.id)], "title": "助餐服务项目", "scope": "午餐配送", "outputs": "服务40人",
            "budget_cap": "80000", "category_id": str(need.category_id), "community_ids": [str(need.community_id)],
            "regime": "community_fund", "min_grade": "", "bid_deadline": local(now + timedelta(days=10)),
            "qa_deadline": local(now + timedelta(days=7)), "plan": "40", "team": "20", "past": "15",
            "budget": "15", "roadshow": "10", "price": "0", "csrf_token": csrf_token_from(page), "submission_key": key}
    data.update(overrides)
    return page, data


def _street(app, officer):
    c = app.test_client()
    Auth(c).login(officer.username)
    return c


def test_the_form_is_prefilled_from_the_need_and_the_rules(app):
    need, officer = approved_need()
    db.session.commit()
    page, _data = _form(_street(app, officer), need)
    assert re.search(rf'<input checked[^>]*name="need_ids"[^>]*value="{need.id}"', page)
    for name, weight in (("plan", 40), ("team", 20), ("past", 15), ("budget", 15), ("roadshow", 10), ("price", 0)):
        assert re.search(rf'name="{name}"[^>]*value="{weight}"', page), name
    assert f'value="{need.title}"' in page


def test_street_drafts_and_publishes_a_project_which_becomes_public(app):
    need, officer = approved_need()
    org = make_org()
    org.categories = [need.category]
    org_user = make_user(Role.organization, organization_id=org.id)
    db.session.commit()
    c = _street(app, officer)
    _page, data = _form(c, need)
    response = c.post("/projects/new", data=data)
    assert response.status_code == 302
    project = db.session.scalars(db.select(Project)).one()
    assert project.status is ProjectStatus.draft
    public = app.test_client()
    assert public.get(f"/projects/{project.code}").status_code == 404  # drafts are not public
    assert project.code not in public.get("/projects/").get_data(as_text=True)
    assert Auth(c).post(f"/projects/{project.code}/publish", page=f"/projects/{project.code}").status_code == 302
    page = public.get(f"/projects/{project.code}").get_data(as_text=True)
    assert "揭榜中" in page and need.code in page and "已发榜，开始揭榜" in page
    assert project.code in public.get(f"/needs/{need.code}").get_data(as_text=True)
    told = db.session.scalars(db.select(Notification).where(Notification.user_id == org_user.id)).one()
    assert told.kind == "project.published"


def test_bad_terms_keep_the_form_and_save_nothing(app):
    need, officer = approved_need()
    db.session.commit()
    c = _street(app, officer)
    now = clock.now()
    cases = [
        ({"plan": "50"}, "各项权重合计为 110"),
        ({"budget_cap": "0"}, "预算上限必须是大于 0 的金额"),
        ({"budget_cap": "八万"}, "不是有效的小数"),
        ({"bid_deadline": local(now - timedelta(days=1)), "qa_deadline": local(now - timedelta(days=3))},
         "揭榜截止时间必须晚于现在"),
        ({"qa_deadline": local(now + timedelta(days=11))}, "答疑截止时间必须早于揭榜截止时间"),
        ({"bid_deadline": local(now + timedelta(days=3)), "qa_deadline": local(now + timedelta(days=1))},
         "至少为 7 天"),
        ({"regime": "government_purchase", "plan": "30", "team": "30"}, "价格分权重须在 10 至 30 之间"),
        ({"title": ""}, "该字段是必填字段"),
    ]
    for overrides, message in cases:
        _page, data = _form(c, need, **overrides)
        response = c.post("/projects/new", data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and message in html, (overrides, message)
        assert 'value="助餐服务项目"' in html or overrides.get("title") == ""
    assert db.session.scalar(db.select(db.func.count(Project.id))) == 0
    db.session.expire_all()
    assert need.status is NeedStatus.approved


def test_switching_the_regime_prefills_valid_weights_for_it(app):
    """The form carries each regime's pre-filled weights (for the script); without the script, the
    community fund's untouched weights sent under government purchase come back as its own."""
    need, officer = approved_need()
    db.session.commit()
    c = _street(app, officer)
    page, data = _form(c, need, regime="government_purchase")
    assert "data-regime-weights=" in page and "&#34;government_purchase&#34;: {" in page
    response = c.post("/projects/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "已按政府购买服务预填权重" in html
    for name, weight in (("plan", 30), ("team", 20), ("past", 15), ("budget", 15), ("roadshow", 10), ("price", 10)):
        assert re.search(rf'name="{name}"[^>]*value="{weight}"', html), name
    assert db.session.scalar(db.select(db.func.count(Project.id))) == 0
    data.update(plan="30", price="10", csrf_token=csrf_token_from(html))  # saved as shown: accepted
    assert c.post("/projects/new", data=data).status_code == 302
    project = db.session.scalars(db.select(Project)).one()
    assert project.criteria["price"] == 10 and project.criteria["plan"] == 30
    _page, data = _form(c, need, regime="community_fund", plan="30", price="10")  # and back
    assert projects.prefill_for_regime({k: int(data[k]) for k in ("plan", "team", "past", "budget", "roadshow",
                                                                   "price")}, projects.Regime.community_fund) == {
        "plan": 40, "team": 20, "past": 15, "budget": 15, "roadshow": 10, "price": 0}


def test_a_double_submitted_project_form_makes_one_draft(app):
    need, officer = approved_need()
    db.session.commit()
    c = _street(app, officer)
    _page, data = _form(c, need)
    assert c.post("/projects/new", data=data).status_code == 302
    assert c.post("/projects/new", data=data).status_code == 302
    assert db.session.scalar(db.select(db.func.count(Project.id))) == 1


def test_other_roles_and_streets_cannot_draft_publish_or_withdraw(app):
    need, officer = approved_need()
    project = projects.create(officer, [need], project_data(officer))
    db.session.commit()
    outsider = make_user(Role.street)
    for role in (Role.secretary, Role.expert, Role.organization, Role.resident, Role.department):
        c = app.test_client()
        Auth(c).login(make_user(role).username)
        assert c.get("/projects/new").status_code == 403
    c = app.test_client()
    Auth(c).login(outsider.username)
    assert c.get(f"/projects/{project.code}").status_code == 404       # another street's draft
    assert Auth(c).post(f"/projects/{project.code}/publish").status_code == 404
    assert Auth(c).post(f"/projects/{project.code}/withdraw", {"reason": "x"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Project, project.id).status is ProjectStatus.draft


def test_withdrawal_shows_its_reason_publicly(app):
    need, officer = approved_need()
    project = projects.create(officer, [need], project_data(officer))
    projects.publish(officer, project)
    db.session.commit()
    c = _street(app, officer)
    page = f"/projects/{project.code}"
    assert Auth(c).post(f"{page}/withdraw", {"reason": ""}, page=page).status_code == 302
    db.session.expire_all()
    assert db.session.get(Project, project.id).status is ProjectStatus.bidding
    Auth(c).post(f"{page}/withdraw", {"reason": "需求已由区级项目覆盖"}, page=page)
    html = app.test_client().get(page).get_data(as_text=True)
    assert "需求已由区级项目覆盖" in html and "已撤回" in html


def test_questions_are_public_without_the_askers_name(app):
    need, officer = approved_need()
    project = projects.create(officer, [need], project_data(officer))
    projects.publish(officer, project)
    org = make_org(name="提问的服务中心")
    asker = make_user(Role.organization, organization_id=org.id)
    db.session.commit()
    c = app.test_client()
    Auth(c).login(asker.username)
    page = f"/projects/{project.code}"
    html = c.get(page).get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html).group(1)
    data = {"text": "场地由谁提供？", "csrf_token": csrf_token_from(html), "submission_key": key}
    assert c.post(f"{page}/questions", data=data).status_code == 302
    assert c.post(f"{page}/questions", data=data).status_code == 302  # double click: one question
    question = db.session.scalars(db.select(Question)).one()
    street = _street(app, officer)
    assert "待答复的揭榜方提问" in street.get("/dashboard").get_data(as_text=True)
    Auth(street).post(f"{page}/questions/{question.id}/answer", {"answer": "场地由社区提供。"}, page=page)
    public = app.test_client().get(page).get_data(as_text=True)
    assert "场地由谁提供？" in public and "场地由社区提供。" in public
    assert "提问的服务中心" not in public and asker.display_name not in public
    assert db.session.scalars(db.select(Notification).where(Notification.user_id == asker.id)).one().kind == \
        "question.answered"


def test_questions_close_at_the_qa_deadline(app):
    need, officer = approved_need()
    project = projects.create(officer, [need], project_data(officer))
    projects.publish(officer, project)
    asker = make_user(Role.organization)
    db.session.commit()
    c = app.test_client()
    Auth(c).login(asker.username)
    page = f"/projects/{project.code}"
    html = c.get(page).get_data(as_text=True)
    with clock.frozen(project.qa_deadline + timedelta(minutes=1)):
        response = c.post(f"{page}/questions", data={"text": "截止后的问题", "csrf_token": csrf_token_from(html)},
                          headers={"Referer": f"http://localhost{page}"})  # a refusal returns there, as in a browser
        assert response.status_code == 302
        assert "答疑已于" in c.get(page).get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0


def test_project_list_filters_search_and_export(client):
    need, officer = approved_need()
    cheap = projects.create(officer, [need], project_data(officer, title="老年人助餐配送", budget_cap=__import__("decimal").Decimal("30000")))
    projects.publish(officer, cheap)
    need2, _ = approved_need(street_officer=officer)
    dear = projects.create(officer, [need2], project_data(officer, title="四点半课堂托管", budget_cap=__import__("decimal").Decimal("200000")))
    projects.publish(officer, dear)
    db.session.commit()
    html = client.get("/projects/?budget_min=100000").get_data(as_text=True)
    assert "四点半课堂托管" in html and "老年人助餐配送" not in html
    html = client.get("/projects/?q=助餐").get_data(as_text=True)
    assert "老年人助餐配送" in html and "四点半课堂托管" not in html
    assert client.get("/projects/?budget_min=abc&budget_max=&street=x").status_code == 200
    text = client.get("/projects/export.csv?q=托管").data.decode("utf-8-sig")
    assert "四点半课堂托管" in text and "老年人助餐配送" not in text
    assert client.get("/projects/export.xlsx").status_code == 200
