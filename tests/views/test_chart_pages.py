"""Charts on the street and district desks, a project page and an organization page: present with their
data tables for the right people, and never showing the panel's scores before the award."""

import re
from datetime import timedelta
from decimal import Decimal

from marketplace.domain.core import clock
from marketplace.domain.credit import ledger
from marketplace.domain.tender import awards
from marketplace.extensions import db
from marketplace.models import (
    Evaluation,
    EvaluationGrade,
    Milestone,
    PanelRole,
    ProgressReport,
    ProjectStatus,
    Role,
)
from tests.conftest import Auth
from tests.factories import make_community, make_need, make_org, make_user, project_in_delivery, published_project, submitted_bid


def _chart(html: str, key: str) -> str:
    """The figure of chart `key`, or "" when it is not on the page."""
    match = re.search(rf'<figure class="chart" id="chart-{key}".*?</figure>', html, re.S)
    return match.group(0) if match else ""


def _valid_ids(html: str) -> None:
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]


def _signed_in(app, user):
    client = app.test_client()
    Auth(client).login(user.username)
    return client


def test_street_desk_shows_its_figures_and_what_is_overdue(app):
    community = make_community()
    secretary = make_user(Role.secretary, community_id=community.id)
    need = make_need(secretary)
    need.created_at = clock.now() - timedelta(days=30)  # reviewers due 20 days ago
    make_need(make_user(Role.secretary, community_id=make_community().id))  # another street's
    officer = make_user(Role.street, street_id=community.street_id)
    db.session.commit()
    html = _signed_in(app, officer).get("/street/").get_data(as_text=True)
    _valid_ids(html)
    assert "暂无数据" in _chart(html, "projects-stage")  # no project yet: titled, "no figures yet"
    for key in ("needs-month", "needs-category", "money", "grades", "overdue"):
        figure = _chart(html, key)
        assert "<svg" in figure and "<table>" in figure and "以表格查看数据" in figure, key
    overdue = _chart(html, "overdue")
    assert "待分配评审专家的需求" in overdue and re.search(r"<td class=\"num\">1</td>", overdue)
    assert "各街道对比" not in html  # the district's comparison is not on a street's desk
    month = _chart(html, "needs-month")
    assert sum(int(n) for n in re.findall(r'<td class="num">(\d+)</td>', month)) == 1  # its street's need only


def test_district_desk_compares_the_streets_for_the_districts_readers(app):
    project, *_rest = project_in_delivery()
    project.status = ProjectStatus.evaluated
    db.session.add(Evaluation(project_id=project.id, parts={}, total=Decimal("88"), grade=EvaluationGrade.good,
                              missing_rule="redistribute"))
    late, *_rest = project_in_delivery()
    db.session.add(Milestone(project_id=late.id, seq=1, output="启动", tranche=Decimal("1000"),
                             due_on=clock.today() - timedelta(days=5)))
    admin, supervisor = make_user(Role.admin), make_user(Role.supervisor)
    officer = make_user(Role.street, street_id=project.street_id)
    db.session.commit()
    for user in (admin, supervisor):
        client = _signed_in(app, user)
        html = client.get("/district/").get_data(as_text=True)
        _valid_ids(html)
        grade = _chart(html, "streets-grade")
        assert project.street.name in grade and "88" in grade and "<table>" in grade
        for key in ("streets", "streets-money", "streets-late", "needs-month", "money", "overdue"):
            assert "<svg" in _chart(html, key), key
        assert late.street.name in _chart(html, "streets-late") and "启动" in html
        assert "区级工作台" in client.get("/dashboard").get_data(as_text=True)
    assert _signed_in(app, officer).get("/district/").status_code == 403
    assert app.test_client().get("/district/").status_code == 302  # to sign in


def _scored(officer, project, bids):
    expert, department = make_user(Role.expert), make_user(Role.department)
    awards.close_if_due(project)
    awards.set_panel(officer, project, [(officer, PanelRole.street), (expert, PanelRole.expert),
                                        (department, PanelRole.department)])
    for bid in bids:
        awards.schedule_roadshow(officer, bid, clock.now(), "线上")
    for user in (officer, expert, department):
        awards.declare(user, project)
        for bid, plan in zip(bids, (37, 21)):
            awards.score(user, bid, {k: {"score": v, "reason": "理由"} for k, v in
                                     {"plan": plan, "team": 15, "past": 10, "budget": 10, "roadshow": 8}.items()})


def test_award_scores_appear_on_the_project_only_once_the_award_is_public(app, client):
    project, officer = published_project()
    first, _u = submitted_bid(project, total="60000")
    second, _u = submitted_bid(project, total="50000")
    admin = make_user(Role.admin)
    db.session.commit()
    readers = [client, _signed_in(app, officer), _signed_in(app, admin)]
    with clock.frozen(project.bid_deadline + timedelta(hours=1)):
        _scored(officer, project, [first, second])
        db.session.commit()
        for reader in readers:  # scored but not awarded: sealed for everyone, the street included
            html = reader.get(f"/projects/{project.code}").get_data(as_text=True)
            assert "chart-award" not in html and "award-scores" not in html and "评审各项平均分" not in html
        awards.award(officer, project, first)
        db.session.commit()
        html = client.get(f"/projects/{project.code}").get_data(as_text=True)
    _valid_ids(html)
    total, criteria = _chart(html, "award-total"), _chart(html, "award-criteria")
    assert first.organization.name in total and second.organization.name in total and "<table>" in total
    assert "37" in criteria and "21" in criteria and "服务方案" in criteria


def test_delivery_and_evaluation_charts_on_the_project(app, client):
    project, _officer, winner, _secretary = project_in_delivery()
    milestone = Milestone(project_id=project.id, seq=1, output="启动阶段", tranche=Decimal("20000"),
                          due_on=clock.today() + timedelta(days=5))
    db.session.add(milestone)
    db.session.flush()
    db.session.add(ProgressReport(project_id=project.id, milestone_id=milestone.id, text="进展", people_served=8,
                                  spent=Decimal("7500"), author_id=winner.id))
    db.session.commit()
    html = client.get(f"/projects/{project.code}").get_data(as_text=True)
    spending = _chart(html, "spending")
    assert "20,000" in spending and "7,500" in spending and "<table>" in spending
    assert not _chart(html, "evaluation")  # not evaluated yet
    project.status = ProjectStatus.evaluated
    db.session.add(Evaluation(project_id=project.id, total=Decimal("84.5"), grade=EvaluationGrade.good,
                              missing_rule="redistribute",
                              parts={p: {"score": s, "weight": 25, "used_weight": "25"}
                                     for p, s in (("party", "90"), ("residents", "80"), ("department", "85"),
                                                  ("experts", "83"))}))
    db.session.commit()
    html = client.get(f"/projects/{project.code}").get_data(as_text=True)
    _valid_ids(html)
    evaluation = _chart(html, "evaluation")
    assert "居民" in evaluation and "84.5" in evaluation and "加权总分" in evaluation and "<table>" in evaluation


def test_organization_page_draws_its_credit_over_time_with_the_list_lines(client):
    org = make_org()
    ledger.record(org.id, ledger.EVALUATION, "92", "考榜", on=clock.today() - timedelta(days=200))
    ledger.record(org.id, "exit", "-20", "退出", on=clock.today() - timedelta(days=100))
    quiet = make_org()
    db.session.commit()
    html = client.get(f"/organizations/{org.id}").get_data(as_text=True)
    _valid_ids(html)
    credit = _chart(html, "credit")
    assert "黑榜线 60" in credit and "红榜线 90" in credit and "<table>" in credit
    assert "92" in credit and "72" in credit
    assert not _chart(client.get(f"/organizations/{quiet.id}").get_data(as_text=True), "credit")
