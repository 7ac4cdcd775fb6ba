"""Next steps on the dashboards (domain.tasks) with their due dates and days left, and what a
project or need page shows at a glance (domain.overview: the stage bar and the summary box)."""

from datetime import timedelta
from decimal import Decimal

from flask_babel import force_locale

from marketplace.domain import overview, tasks
from marketplace.domain.core import clock
from marketplace.domain.deliver import delivery, evaluations
from marketplace.domain.tender import awards, bids, projects
from marketplace.extensions import db
from marketplace.models import Organization, PanelRole, ProjectStatus, Role
from tests.domain.test_delivery import planned
from tests.domain.test_evaluations import in_evaluation
from tests.factories import (
    approved_need,
    bid_data,
    bidder,
    make_need,
    make_user,
    project_data,
    published_project,
    submitted_bid,
)


def _labels(user):
    with force_locale("en"):
        return [(str(t.label), t) for t in tasks.tasks_for(user)]


def _by_label(user, fragment):
    found = [t for label, t in _labels(user) if fragment in label]
    assert found, [label for label, _t in _labels(user)]
    return found[0]


def _none_with(user, fragment):
    return not [label for label, _t in _labels(user) if fragment in label]


def test_days_left_counts_calendar_days_in_licang():
    today = clock.today()
    assert tasks.Task("x", "dashboard.index", due=today + timedelta(days=3)).days_left == 3
    assert tasks.Task("x", "dashboard.index", due=today).days_left == 0
    late = tasks.Task("x", "dashboard.index", due=today - timedelta(days=2))
    assert late.days_left == -2 and late.overdue
    assert tasks.Task("x", "dashboard.index").days_left is None


def test_secretary_is_told_to_issue_survey_codes_then_how_many_answered():
    project, officer, winner, secretary = in_evaluation()
    step = _by_label(secretary, "issue the residents' survey codes")
    assert step.endpoint == "delivery.evaluation" and step.params == {"code": project.code}
    assert step.due == clock.today() + timedelta(days=30)  # signed off today; 30 days to evaluate
    evaluations.issue_codes(secretary, project, 5)
    step = _by_label(secretary, "residents' survey codes answered")
    assert step.count is None and step.days_left == 30
    assert _by_label(secretary, "0 of 5 residents' survey codes answered")


def test_secretary_sign_off_is_due_within_the_response_time():
    project, officer, winner, secretary = planned()
    for m in delivery.milestones(project):
        delivery.report_progress(winner, m, "完成", 30, "1000", delivered=True)
        delivery.confirm_milestone(secretary, m, True)
    delivery.submit_closing(winner, project, {"outputs": "服务60人", "beneficiaries": 60, "spending": "2000",
                                              "lessons": "提前招募志愿者"})
    step = _by_label(secretary, "Closing report to sign off")
    assert step.due == clock.today() + timedelta(days=10) and step.days_left == 10


def test_expert_declares_then_scores_before_the_scoring_date():
    project, officer = published_project()
    bid, _org = submitted_bid(project)
    expert, department = make_user(Role.expert), make_user(Role.department)
    deadline_day = tasks.local_day(project.bid_deadline)
    with clock.frozen(project.bid_deadline + timedelta(hours=1)):
        awards.close_if_due(project)
        awards.set_panel(officer, project, [(officer, PanelRole.street), (expert, PanelRole.expert),
                                            (department, PanelRole.department)])
        step = _by_label(expert, "sign the no-conflict declaration")
        assert step.due == deadline_day + timedelta(days=10)
        awards.declare(expert, project)
        assert _by_label(expert, "0 of 1 bids scored").due == deadline_day + timedelta(days=10)
        awards.schedule_roadshow(officer, bid, clock.now(), "线上")
        awards.score(expert, bid, {k: {"score": v, "reason": "理由"} for k, v in
                                   {"plan": 35, "team": 15, "past": 10, "budget": 10, "roadshow": 8}.items()})
        assert _none_with(expert, "Panel")


def test_organization_sees_its_draft_before_the_deadline_and_projects_open_in_its_field():
    project, officer = published_project()
    user = bidder()
    org = db.session.get(Organization, user.organization_id)
    org.categories.append(project.category)
    db.session.flush()
    step = _by_label(user, "Open for bids in your field")
    assert step.params == {"code": project.code} and step.due == tasks.local_day(project.bid_deadline)
    bids.save(user, project, bid_data())
    step = _by_label(user, "Intent letter in draft")
    assert step.endpoint == "bids.edit" and step.days_left == 10
    assert _none_with(user, "Open for bids")  # started on it
    with clock.frozen(project.bid_deadline + timedelta(minutes=1)):
        assert _none_with(user, project.code)  # too late: not a step any more


def test_street_sees_decisions_waiting_and_overdue_milestones_soonest_first():
    project, officer, winner, secretary = planned()
    first = delivery.milestones(project)[0]
    need, _ = approved_need(street_officer=officer)
    reviewed = make_need(secretary)
    expert = make_user(Role.expert)
    from marketplace.domain.assess import needs
    needs.assign_reviewers(officer, reviewed, [expert])
    needs.submit_review(expert, reviewed.reviews[0], {k: {"score": 20, "reason": "理由"}
                                                      for k in ("urgency", "reach", "feasibility", "cost")})
    with clock.frozen(clock.now() + timedelta(days=first.due_on.toordinal() - clock.today().toordinal() + 3)):
        steps = tasks.tasks_for(officer)
        overdue = _by_label(officer, "Overdue milestones")
        assert overdue.due == first.due_on and overdue.days_left == -3 and overdue.tone == "danger"
        dated = [t.due for t in steps if t.due is not None]
        assert dated == sorted(dated) and steps[len(dated) - 1].due is not None  # soonest first, undated last
        decide = _by_label(officer, "waiting for your decision")
        assert decide.count == 1 and decide.overdue  # reviewed long ago: past the 10 days to decide


def test_stage_bar_follows_the_project_and_stops_where_it_failed():
    project, officer = published_project()
    assert [s.state for s in overview.project_steps(project)] == ["done", "done", "current", "todo", "todo", "todo"]
    with clock.frozen(project.bid_deadline + timedelta(minutes=1)):  # no bid: 流标 from the deadline on
        assert [s.state for s in overview.project_steps(project)][:3] == ["done", "done", "stopped"]
    need = project.needs[0]
    assert [s.name for s in overview.need_steps(need)] == ["评榜", "发榜", "揭榜", "承榜", "履约", "考榜"]
    assert overview.need_steps(need)[2].state == "current"
    fresh = make_need()
    assert [s.state for s in overview.need_steps(fresh)][:2] == ["current", "todo"]
    other, street = approved_need()
    draft = projects.create(street, [other], project_data(street))
    assert overview.project_steps(draft)[1].state == "current"


def test_summary_box_shows_winner_amount_spent_and_grade():
    project, officer, winner, secretary = planned()
    summary = overview.project_summary(project)
    assert summary.winner.id == winner.organization_id and summary.winner_final
    assert summary.amount == Decimal("60000.00") and summary.spent == 0 and summary.grade is None
    delivery.report_progress(winner, delivery.milestones(project)[0], "完成", 30, "15000", delivered=False)
    summary = overview.project_summary(project)
    assert summary.spent == Decimal("15000") and summary.spent_share == 25
    assert [s.state for s in overview.project_steps(project)][4] == "current"
    fresh, _ = published_project()
    empty = overview.project_summary(fresh)
    assert empty.winner is None and empty.amount is None and empty.spent is None
    assert fresh.status is ProjectStatus.bidding
