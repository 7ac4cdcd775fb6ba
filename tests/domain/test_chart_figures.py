"""The figures behind the desks', a project's and an organization's charts: real numbers from factories."""

from datetime import timedelta
from decimal import Decimal

from marketplace.domain import overview, stats
from marketplace.domain.core import clock
from marketplace.domain.credit import ledger
from marketplace.domain.tender import awards
from marketplace.extensions import db
from marketplace.models import (
    Complaint,
    Evaluation,
    EvaluationGrade,
    Milestone,
    MilestoneStatus,
    PanelRole,
    Party,
    ProgressReport,
    ProjectStatus,
    Role,
)
from tests.factories import (
    make_community,
    make_need,
    make_org,
    make_user,
    project_in_delivery,
    published_project,
    submitted_bid,
)


def _late(kinds):
    return {k.key: k.count for k in kinds}


def test_decisions_waiting_past_their_deadline_are_counted_per_kind_and_street():
    community = make_community()
    secretary = make_user(Role.secretary, community_id=community.id)
    with clock.frozen(clock.now() - timedelta(days=20)):
        make_need(secretary)  # recorded 20 days ago: the reviewers were due 10 days after
    make_need(secretary)  # recorded today: not late
    other = make_community()
    make_need(make_user(Role.secretary, community_id=other.id))  # today, another street
    project, _officer, _winner, _secretary = project_in_delivery()
    db.session.add(Complaint(project_id=project.id, text="服务没来", client_hash="x" * 64,
                             created_at=clock.now() - timedelta(days=15)))
    db.session.add(Complaint(project_id=project.id, text="今天没来", client_hash="y" * 64))
    db.session.commit()

    district = _late(stats.overdue_decisions())
    assert district["reviewers"] == 1 and district["complaints"] == 1 and district["decide"] == 0
    assert _late(stats.overdue_decisions(community.street_id))["reviewers"] == 1
    assert _late(stats.overdue_decisions(other.street_id))["reviewers"] == 0
    assert _late(stats.overdue_decisions(project.street_id))["complaints"] == 1

    rows = {r.street: r for r in stats.per_street(stats.overdue_decisions())}
    assert rows[community.street.name].late_decisions == 1 and rows[community.street.name].needs == 2
    assert rows[project.street.name].late_decisions == 1 and rows[other.street.name].late_decisions == 0


def test_mean_evaluation_total_per_street():
    project, *_rest = project_in_delivery()
    second, *_rest = project_in_delivery()
    second.street_id = project.street_id
    for p, total in ((project, "80"), (second, "91")):
        p.status = ProjectStatus.evaluated
        db.session.add(Evaluation(project_id=p.id, parts={}, total=Decimal(total), grade=EvaluationGrade.good,
                                  missing_rule="redistribute"))
    db.session.commit()
    row = next(r for r in stats.per_street() if r.street == project.street.name)
    assert row.mean_total == Decimal("85.5") and row.evaluated == 2  # (80 + 91) / 2


def test_award_scores_come_from_the_award_and_not_before_it():
    project, officer = published_project()
    first, _u = submitted_bid(project, total="60000")
    second, _u = submitted_bid(project, total="50000")
    expert, department = make_user(Role.expert), make_user(Role.department)
    with clock.frozen(project.bid_deadline + timedelta(hours=1)):
        awards.close_if_due(project)
        awards.set_panel(officer, project, [(officer, PanelRole.street), (expert, PanelRole.expert),
                                            (department, PanelRole.department)])
        for bid in (first, second):
            awards.schedule_roadshow(officer, bid, clock.now(), "线上")
        for user, plan in ((officer, 30), (expert, 34), (department, 32)):
            awards.declare(user, project)
            for bid, extra in ((first, 0), (second, -10)):
                awards.score(user, bid, {k: {"score": v, "reason": "理由"} for k, v in
                                         {"plan": plan + extra, "team": 15, "past": 10, "budget": 10,
                                          "roadshow": 8}.items()})
        assert overview.award_scores(project) is None  # scored, not awarded: the scores stay sealed
        awards.award(officer, project, first)
    scores = overview.award_scores(project)
    assert scores.criteria[:2] == ["plan", "team"] and "price" not in scores.criteria
    top, runner_up = scores.bidders
    assert top.winner and top.rank == 1 and not runner_up.winner
    assert top.criteria["plan"] == Decimal("32") and runner_up.criteria["plan"] == Decimal("22")
    assert top.panel == Decimal("75") and top.total == top.panel + top.price + top.bonuses


def test_spending_against_milestones_and_the_four_parties():
    project, _officer, winner, _secretary = project_in_delivery()
    plan = [Milestone(project_id=project.id, seq=1, output="启动", tranche=Decimal("20000"),
                      due_on=clock.today(), status=MilestoneStatus.confirmed),
            Milestone(project_id=project.id, seq=2, output="结项", tranche=Decimal("40000"),
                      due_on=clock.today() + timedelta(days=60))]
    db.session.add_all(plan)
    db.session.flush()
    for spent in ("12000", "3500.50"):
        db.session.add(ProgressReport(project_id=project.id, milestone_id=plan[0].id, text="进展", people_served=10,
                                      spent=Decimal(spent), author_id=winner.id))
    result = Evaluation(project_id=project.id, total=Decimal("84.5"), grade=EvaluationGrade.good,
                        missing_rule="redistribute",
                        parts={"residents": {"score": "80", "weight": 40, "used_weight": "40"},
                               "party": {"score": "90", "weight": 20, "used_weight": "20"},
                               "department": {"score": None, "weight": 20, "used_weight": "0"},
                               "experts": {"score": "86", "weight": 20, "used_weight": "40"}})
    db.session.add(result)
    db.session.commit()
    rows = overview.spending(project)
    assert [(r.seq, r.planned, r.spent) for r in rows] == [(1, Decimal("20000"), Decimal("15500.50")),
                                                           (2, Decimal("40000"), Decimal("0"))]
    parts = overview.evaluation_parts(result)
    assert [p.party for p in parts] == list(Party)  # in the parties' order, whatever the stored order
    assert parts[2].score is None and parts[3].used_weight == Decimal("40")


def test_credit_history_steps_at_each_event_and_when_events_leave_the_window():
    org = make_org()
    today = clock.today()
    start = today - timedelta(days=800)  # beyond the 24-month window by today
    ledger.record(org.id, ledger.EVALUATION, "80", "考榜", on=start)
    ledger.record(org.id, "exit", "-20", "退出", on=start + timedelta(days=30))
    ledger.record(org.id, ledger.EVALUATION, "92", "考榜", on=today - timedelta(days=100))
    db.session.commit()
    points = ledger.history(org.id)
    values = [v for _d, v in points]
    assert points[0] == (start, Decimal("80")) and points[1] == (start + timedelta(days=30), Decimal("60"))
    assert Decimal("66") in values  # both evaluations (86) and the exit
    assert points[-1] == (today, Decimal("92"))  # the old events have left the window
    assert [d for d, _v in points] == sorted(d for d, _v in points)
    assert ledger.history(make_org().id) == []  # no evaluated project: no score, no line


def test_the_figures_are_kept_for_their_ttl_per_street_and_computed_live_when_it_is_zero(app, monkeypatch):
    community = make_community()
    secretary = make_user(Role.secretary, community_id=community.id)
    make_need(secretary)
    now = [1000.0]
    monkeypatch.setattr(stats._time, "monotonic", lambda: now[0])
    app.config["FIGURES_CACHE_SECONDS"] = 60
    try:
        street = community.street_id
        assert stats.figures(street).headline["needs"] == 1
        make_need(secretary)
        assert stats.figures(street).headline["needs"] == 1  # kept: a minute-old figure is the trade
        assert stats.figures().headline["needs"] >= 2  # the district's own entry, computed now
        now[0] += 61
        assert stats.figures(street).headline["needs"] == 2
        app.config["FIGURES_CACHE_SECONDS"] = 0
        make_need(secretary)
        assert stats.figures(street).headline["needs"] == 3
    finally:
        app.config["FIGURES_CACHE_SECONDS"] = 0
        stats._cache.clear()
