from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from werkzeug.exceptions import Forbidden

from marketplace.domain.core import clock, scoring
from marketplace.domain import deadlines
from marketplace.domain.tender import awards
from marketplace.domain.core.errors import InvalidTransition, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    Affiliation,
    AffiliationKind,
    AwardStatus,
    BidStatus,
    Contract,
    PanelRole,
    ProjectStatus,
    Regime,
    Role,
)
from tests.factories import make_user, published_project, submitted_bid

CRITERIA = {"plan": 40, "team": 20, "past": 15, "budget": 15, "roadshow": 10}


def test_trimmed_mean_drops_highest_and_lowest_from_five():
    values = [Decimal(v) for v in (60, 70, 80, 90, 100)]
    assert scoring.trimmed_mean(values, 5) == Decimal("80.00")
    assert scoring.trimmed_mean([Decimal(50), Decimal(90), Decimal(100), Decimal(100), Decimal(40)], 5) == \
        Decimal("80.00")
    assert scoring.trimmed_mean([Decimal(60), Decimal(70), Decimal(100)], 5) == Decimal("76.67")


def test_price_score_is_lowest_over_this_times_weight():
    assert scoring.price_score(Decimal(40000), Decimal(50000), 20) == Decimal("16.00")
    assert scoring.price_score(Decimal(40000), Decimal(40000), 20) == Decimal("20.00")


def test_ties_break_on_plan_then_earlier_submission():
    entries = [{"total": Decimal(80), "plan": Decimal(30), "submitted_at": "2026-11-02"},
               {"total": Decimal(80), "plan": Decimal(35), "submitted_at": "2026-11-03"},
               {"total": Decimal(80), "plan": Decimal(35), "submitted_at": "2026-11-01"}]
    ranked = scoring.rank(entries)
    assert [e["submitted_at"] for e in ranked] == ["2026-11-01", "2026-11-03", "2026-11-02"]


def closed(n_bids=2, regime=Regime.community_fund, criteria=None, totals=None):
    kw = {"regime": regime}
    if criteria:
        kw["criteria"] = criteria
    project, officer = published_project(**kw)
    made = [submitted_bid(project, total=(totals or ["50000"] * n_bids)[i]) for i in range(n_bids)]
    clock_after = project.bid_deadline + timedelta(hours=1)
    return project, officer, [b for b, _ in made], clock_after


def panel_of(project, officer, n_experts=1, department=True):
    experts = [make_user(Role.expert) for _ in range(n_experts)]
    selection = [(officer, PanelRole.street)] + [(e, PanelRole.expert) for e in experts]
    if department:
        selection.append((make_user(Role.department), PanelRole.department))
    members = awards.set_panel(officer, project, selection)
    return [u for u, _ in selection], members


def scores(plan, team=15, past=10, budget=10, roadshow=8):
    return {k: {"score": v, "reason": "依据充分"} for k, v in
            {"plan": plan, "team": team, "past": past, "budget": budget, "roadshow": roadshow}.items()}


def score_all(project, users, bid_list, plans):
    for user in users:
        awards.declare(user, project)
        for bid, plan in zip(bid_list, plans):
            awards.score(user, bid, scores(plan))


def test_deadline_without_eligible_bids_is_a_failed_tender_and_can_be_republished():
    project, officer = published_project()
    with clock.frozen(project.bid_deadline):
        assert awards.close_if_due(project)
        assert project.status is ProjectStatus.failed
        now = clock.now()
        awards.republish(officer, project, now + timedelta(days=9), now + timedelta(days=6))
        assert project.status is ProjectStatus.bidding


def test_tick_closes_due_projects_once():
    project, _ = published_project()
    submitted_bid(project)
    with clock.frozen(project.bid_deadline + timedelta(seconds=1)):
        assert deadlines.tick() == {"closed": 1, "finalized": 0, "interventions": 0, "reminders": 0}
        assert deadlines.tick() == {"closed": 0, "finalized": 0, "interventions": 0, "reminders": 0}
    assert project.status is ProjectStatus.reviewing


def test_panel_size_and_mix():
    project, officer, _bids, after = closed()
    with clock.frozen(after):
        awards.close_if_due(project)
        expert = make_user(Role.expert)
        with pytest.raises(ValidationError):  # even number
            awards.set_panel(officer, project, [(officer, PanelRole.street), (expert, PanelRole.expert)])
        with pytest.raises(ValidationError):  # no expert
            awards.set_panel(officer, project, [(officer, PanelRole.street), (make_user(Role.department),
                                                PanelRole.department), (make_user(Role.department), PanelRole.department)])
        with pytest.raises(ValidationError):  # a street officer cannot sit as an expert
            awards.set_panel(officer, project, [(officer, PanelRole.expert), (expert, PanelRole.expert),
                                                (make_user(Role.expert), PanelRole.expert)])
        panel_of(project, officer, n_experts=1, department=True)
        assert len(awards.panel(project)) == 3


def test_government_purchase_needs_five_with_two_thirds_experts():
    criteria = {"plan": 30, "team": 20, "past": 15, "budget": 15, "roadshow": 10, "price": 10}
    project, officer, _bids, after = closed(regime=Regime.government_purchase, criteria=criteria)
    with clock.frozen(after):
        awards.close_if_due(project)
        with pytest.raises(ValidationError):  # 3 < 5
            panel_of(project, officer, n_experts=1)
        with pytest.raises(ValidationError):  # 3 experts of 5 = 60 % < 66.67 %
            panel_of(project, officer, n_experts=3)
        experts = [make_user(Role.expert) for _ in range(4)]
        awards.set_panel(officer, project, [(officer, PanelRole.street)] + [(e, PanelRole.expert) for e in experts])


def test_known_ties_block_the_assignment():
    project, officer, bid_list, after = closed()
    tied = make_user(Role.expert)
    db.session.add(Affiliation(user_id=tied.id, organization_id=bid_list[0].organization_id,
                               kind=AffiliationKind.board, started_on=date(2020, 1, 1), ended_on=date(2025, 6, 1)))
    old_tie = make_user(Role.expert)
    db.session.add(Affiliation(user_id=old_tie.id, organization_id=bid_list[0].organization_id,
                               kind=AffiliationKind.board, started_on=date(2015, 1, 1), ended_on=date(2020, 6, 1)))
    db.session.flush()
    with clock.frozen(after):
        awards.close_if_due(project)
        with pytest.raises(ValidationError) as err:
            awards.set_panel(officer, project, [(officer, PanelRole.street), (tied, PanelRole.expert),
                                                (make_user(Role.expert), PanelRole.expert)])
        assert "理事" in err.value.message
        # a board seat that ended more than 3 years ago is no longer a tie
        awards.set_panel(officer, project, [(officer, PanelRole.street), (old_tie, PanelRole.expert),
                                            (make_user(Role.expert), PanelRole.expert)])


def test_panel_candidates_show_known_ties_before_the_pick(count_queries):
    project, officer, bid_list, after = closed()
    tied, free = make_user(Role.expert), make_user(Role.expert)
    db.session.add(Affiliation(user_id=tied.id, organization_id=bid_list[0].organization_id,
                               kind=AffiliationKind.board, started_on=date(2020, 1, 1), ended_on=date(2025, 6, 1)))
    db.session.flush()
    with clock.frozen(after):
        awards.close_if_due(project)
        with count_queries() as n:
            candidates = awards.panel_choices(project)
        assert n() <= 8  # whatever the number of people
        experts = {u.id: ties for u, ties in candidates[PanelRole.expert]}
        assert experts[free.id] == [] and len(experts[tied.id]) == 1 and "理事" in experts[tied.id][0]
        assert [u.id for u, _t in candidates[PanelRole.street]] == [officer.id]
        assert awards.known_ties(tied, project) == experts[tied.id]


def test_declaration_before_scoring_and_recusal_refuses_scores():
    project, officer, bid_list, after = closed()
    with clock.frozen(after):
        awards.close_if_due(project)
        users, members = panel_of(project, officer)
        with pytest.raises(InvalidTransition):  # not declared yet
            awards.score(users[1], bid_list[0], scores(30))
        awards.declare(users[1], project)
        awards.recuse(users[1], project, "与揭榜方法定代表人系近亲属")
        with pytest.raises(InvalidTransition):
            awards.score(users[1], bid_list[0], scores(30))
        with pytest.raises(InvalidTransition):  # not on the panel at all
            awards.declare(make_user(Role.expert), project)


def test_roadshow_is_scored_after_the_slot():
    project, officer, bid_list, after = closed(n_bids=1)
    with clock.frozen(after):
        awards.close_if_due(project)
        users, _ = panel_of(project, officer)
        awards.declare(users[0], project)
        with pytest.raises(InvalidTransition):
            awards.score(users[0], bid_list[0], scores(30))
        awards.schedule_roadshow(officer, bid_list[0], clock.now() + timedelta(hours=2), "街道会议室")
        with pytest.raises(InvalidTransition):
            awards.score(users[0], bid_list[0], scores(30))
    with clock.frozen(after + timedelta(hours=3)):
        assert awards.score(users[0], bid_list[0], scores(30)).total == Decimal("73.00")
        with pytest.raises(InvalidTransition):  # once
            awards.score(users[0], bid_list[0], scores(35))


def _reviewed(n_bids=2, plans=(35, 30), n_experts=1, totals=None, regime=Regime.community_fund, criteria=None):
    project, officer, bid_list, after = closed(n_bids=n_bids, totals=totals, regime=regime, criteria=criteria)
    with clock.frozen(after):
        awards.close_if_due(project)
        users, _ = panel_of(project, officer, n_experts=n_experts)
        for bid in bid_list:
            awards.schedule_roadshow(officer, bid, clock.now() - timedelta(minutes=1), "街道会议室")
        score_all(project, users, bid_list, plans)
    return project, officer, bid_list, after, users


def test_ranking_and_award_opens_a_notice_of_working_days():
    project, officer, bid_list, after, users = _reviewed()
    with clock.frozen(after):
        ranked = awards.ranking(project)
        assert [r["bid_id"] for r in ranked] == [bid_list[0].id, bid_list[1].id]
        assert ranked[0]["total"] == "78.00" and ranked[1]["total"] == "73.00"
        with pytest.raises(ValidationError):  # not the top one: a reason is required
            awards.award(officer, project, bid_list[1])
        decision = awards.award(officer, project, bid_list[0])
        assert project.status is ProjectStatus.notice and bid_list[0].status is BidStatus.awarded
        # 2026-11-26 (Thursday) + 5 working days = 2026-12-03
        assert decision.notice_ends_on == clock.add_working_days(clock.today(), 5)
        with pytest.raises(Forbidden):  # exactly one award
            awards.award(officer, project, bid_list[1], "again")


def test_a_notice_opened_just_before_national_day_2026_ends_after_the_holiday():
    with clock.frozen(datetime(2026, 9, 20, 2, 0, tzinfo=timezone.utc)):  # the deadline falls on 09-30
        project, officer, bid_list, after, _users = _reviewed()
    with clock.frozen(after):
        assert clock.today() == date(2026, 9, 30)
        decision = awards.award(officer, project, bid_list[0])
    # 10-01…10-07 off; 10-08, 10-09, 10-10 (调休 Saturday), 10-12, 10-13: five working days
    assert decision.notice_ends_on == date(2026, 10, 13)
    with clock.frozen(datetime(2026, 10, 13, 15, 0, tzinfo=timezone.utc)):  # 23:00 on 10-13
        assert not awards.finalize_if_due(project)
    with clock.frozen(datetime(2026, 10, 13, 16, 0, tzinfo=timezone.utc)):  # 00:00 on 10-14
        assert awards.finalize_if_due(project) and project.status is ProjectStatus.delivery


def test_five_scores_are_trimmed():
    project, officer, bid_list, after = closed(n_bids=1)
    with clock.frozen(after):
        awards.close_if_due(project)
        experts = [make_user(Role.expert) for _ in range(4)]
        awards.set_panel(officer, project, [(officer, PanelRole.street)] + [(e, PanelRole.expert) for e in experts])
        awards.schedule_roadshow(officer, bid_list[0], clock.now(), "线上")
        for user, plan in zip([officer] + experts, (20, 25, 30, 35, 40)):
            awards.declare(user, project)
            awards.score(user, bid_list[0], scores(plan))
        [entry] = awards.ranking(project)
        # totals 63, 68, 73, 78, 83 → drop 63 and 83 → 73
        assert entry["panel_score"] == "73.00" and entry["trimmed"]


def test_government_purchase_price_score():
    criteria = {"plan": 30, "team": 20, "past": 15, "budget": 15, "roadshow": 10, "price": 10}
    project, officer, bid_list, after = closed(n_bids=2, regime=Regime.government_purchase, criteria=criteria,
                                               totals=["40000", "50000"])
    with clock.frozen(after):
        awards.close_if_due(project)
        experts = [make_user(Role.expert) for _ in range(4)]
        awards.set_panel(officer, project, [(officer, PanelRole.street)] + [(e, PanelRole.expert) for e in experts])
        for bid in bid_list:
            awards.schedule_roadshow(officer, bid, clock.now(), "线上")
        for user in [officer] + experts:
            awards.declare(user, project)
            for bid in bid_list:
                awards.score(user, bid, scores(25))
        ranked = {r["bid_id"]: r for r in awards.ranking(project)}
        assert ranked[bid_list[0].id]["price_score"] == "10.00"
        assert ranked[bid_list[1].id]["price_score"] == "8.00"


def test_upheld_objection_reopens_and_a_quiet_notice_becomes_final():
    project, officer, bid_list, after, users = _reviewed()
    with clock.frozen(after):
        decision = awards.award(officer, project, bid_list[0])
        citizen = make_user(Role.resident)
        objection = awards.file_objection(citizen, decision, "中标方的团队资质材料与实际不符，请核查。")
        awards.decide_objection(officer, objection, True, "经核查，团队资质材料不实。")
        assert decision.status is AwardStatus.reopened and project.status is ProjectStatus.reviewing
        assert bid_list[0].status is BidStatus.submitted
        from marketplace.models import CreditEvent

        [penalty] = db.session.scalars(db.select(CreditEvent).where(CreditEvent.kind == "objection")).all()
        assert penalty.organization_id == bid_list[0].organization_id and penalty.points == Decimal("-5.00")
        second = awards.award(officer, project, bid_list[1], "原排名第一的揭榜方资质材料不实，异议成立。")
        assert second.round == 2
        rejected = awards.file_objection(citizen, second, "我认为评分过程不透明，请说明。")
        awards.decide_objection(officer, rejected, False, "评分及理由已全部公示。")
    with clock.frozen(after + timedelta(days=3)):
        assert not awards.finalize_if_due(project)  # the notice is still running
    with clock.frozen(after + timedelta(days=10)):
        with pytest.raises(Exception):
            awards.file_objection(citizen, second, "公示期结束后的异议内容")
        assert awards.finalize_if_due(project)
        assert project.status is ProjectStatus.delivery and second.status is AwardStatus.final
        contract = db.session.scalars(db.select(Contract)).one()
        assert contract.bid_id == bid_list[1].id and contract.amount == Decimal("50000.00")
        assert bid_list[0].status is BidStatus.lost


def test_a_pending_objection_holds_the_award():
    project, officer, bid_list, after, users = _reviewed()
    with clock.frozen(after):
        decision = awards.award(officer, project, bid_list[0])
        awards.file_objection(make_user(Role.resident), decision, "请核查中标方是否存在关联交易。")
    with clock.frozen(after + timedelta(days=10)):
        assert not awards.finalize_if_due(project)
        assert project.status is ProjectStatus.notice


def test_withdrawal_after_the_award_costs_ten_points_and_reopens_the_project():
    from marketplace.models import CreditEvent

    project, officer, bid_list, after, users = _reviewed()
    with clock.frozen(after):
        awards.award(officer, project, bid_list[0])
        winner = make_user(Role.organization, organization_id=bid_list[0].organization_id)
        with pytest.raises(Forbidden):  # only the awarded organization
            awards.withdraw_after_award(make_user(Role.organization, organization_id=bid_list[1].organization_id),
                                        project, "我们想退出")
        with pytest.raises(ValidationError):
            awards.withdraw_after_award(winner, project, "")
        awards.withdraw_after_award(winner, project, "核心社工离职，无法按方案履约。")
        assert project.status is ProjectStatus.exited and bid_list[0].status is BidStatus.withdrawn
        [event] = db.session.scalars(db.select(CreditEvent).where(CreditEvent.kind == "withdrawal")).all()
        assert event.points == Decimal("-10.00")
        now = clock.now()
        awards.republish(officer, project, now + timedelta(days=8), now + timedelta(days=5))
        assert project.status is ProjectStatus.bidding
