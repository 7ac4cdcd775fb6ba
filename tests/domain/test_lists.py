from datetime import date, timedelta
from decimal import Decimal

import pytest
from werkzeug.exceptions import Forbidden

from marketplace.domain.core import clock
from marketplace.domain.credit import ledger, lists
from marketplace.domain.tender import bids
from marketplace.domain.core.errors import InvalidTransition, ValidationError
from marketplace.domain.orgs import standing
from marketplace.extensions import db
from marketplace.models import ExemplaryProposal, Grade, ListEntry, Role
from tests.factories import bare_project, bidder, make_org, make_user, published_project

# the test clock is 2026-11-26: the current quarter is 2026Q4 (from 2026-10-01)


def events(org, *items):
    for kind, points, on, project in items:
        project = bare_project() if project else None
        db.session.add(ledger.CreditEvent(organization_id=org.id, kind=kind, points=Decimal(str(points)),
                                          reason="测试", occurred_on=on, project_id=project))
    db.session.flush()


def kind_of(period, org):
    entry = db.session.scalar(db.select(ListEntry).where(ListEntry.period_id == period.id,
                                                         ListEntry.organization_id == org.id))
    return (entry.kind.value, entry.reason) if entry else None


@pytest.mark.parametrize(("total", "expected"), [
    (Decimal("89.99"), None), (Decimal("90"), ("red", "high_credit")),
    (Decimal("59.99"), ("black", "failed_evaluation")), (Decimal("60"), None)])
def test_red_and_black_at_their_boundaries(total, expected):
    admin = make_user(Role.admin)
    org = make_org()
    events(org, ("evaluation", total, date(2026, 11, 1), 1))
    assert kind_of(lists.compute(admin, "2026Q4"), org) == expected


def test_low_credit_without_a_failed_evaluation_in_the_period_is_black():
    admin, org = make_user(Role.admin), make_org()
    events(org, ("evaluation", 70, date(2026, 5, 1), 1), ("complaint", -5, date(2026, 6, 1), None),
           ("complaint", -6, date(2026, 7, 1), None))
    assert kind_of(lists.compute(admin, "2026Q4"), org) == ("black", "low_credit")  # 70 − 11 = 59


def test_red_needs_no_negative_event_in_the_period_and_an_evaluation():
    admin = make_user(Role.admin)
    clean, dented, none = make_org(), make_org(), make_org()
    events(clean, ("evaluation", 95, date(2026, 3, 1), 1))
    events(dented, ("evaluation", 99, date(2026, 3, 1), 2), ("complaint", -5, date(2026, 10, 15), None))
    events(none, ("excellent", 2, date(2026, 10, 1), None))
    period = lists.compute(admin, "2026Q4")
    assert kind_of(period, clean) == ("red", "high_credit")
    assert kind_of(period, dented) is None and kind_of(period, none) is None


def test_an_exit_in_the_period_is_black_even_without_evaluations():
    admin, org = make_user(Role.admin), make_org()
    events(org, ("exit", -20, date(2026, 10, 20), None))
    assert kind_of(lists.compute(admin, "2026Q4"), org) == ("black", "exit")


def test_evaluations_older_than_the_window_do_not_count():
    admin, org = make_user(Role.admin), make_org()
    events(org, ("evaluation", 40, date(2024, 11, 1), 1), ("evaluation", 95, date(2026, 1, 1), 2))
    assert kind_of(lists.compute(admin, "2026Q4"), org) == ("red", "high_credit")


def test_recomputing_is_idempotent_and_a_published_list_never_changes():
    admin, org = make_user(Role.admin), make_org()
    events(org, ("evaluation", 95, date(2026, 10, 2), 1))
    first = lists.compute(admin, "2026Q4")
    snapshot = [(e.organization_id, e.kind, e.credit) for e in first.entries]
    again = lists.compute(admin, "2026Q4")
    db.session.refresh(again)
    assert again.id == first.id and [(e.organization_id, e.kind, e.credit) for e in again.entries] == snapshot
    lists.publish(admin, again)
    with pytest.raises(InvalidTransition):
        lists.compute(admin, "2026Q4")
    with pytest.raises(InvalidTransition):
        lists.publish(admin, again)


@pytest.mark.parametrize("code", ["2027Q1", "2026Q5", "2026-Q4", "Q4", "", "99999Q1"])
def test_future_or_malformed_periods_are_refused(code):
    with pytest.raises(ValidationError):
        lists.compute(make_user(Role.admin), code)


def test_only_the_administrator_computes():
    with pytest.raises(Forbidden):
        lists.compute(make_user(Role.street), "2026Q4")


def test_the_black_list_bans_bidding_until_its_end_and_an_upheld_appeal_lifts_it():
    admin = make_user(Role.admin)
    user = bidder()
    org = user.organization
    events(org, ("evaluation", 50, date(2026, 10, 10), 1))
    period = lists.compute(admin, "2026Q4")
    lists.publish(admin, period)
    entry = period.entries[0]
    assert entry.ban_until == date(2027, 11, 26)  # 12 months
    assert org.grade_review_reason  # flagged for rating review
    project, _ = published_project()
    refusal = [r for r in bids.refusals(org, project) if r.code == "black_list"]
    assert refusal and "2027-11-26" in refusal[0].message
    with clock.frozen(clock.now() + timedelta(days=370)):
        assert standing.active_black(org.id) is None  # the ban ends
    with pytest.raises(Forbidden):  # only its own entries
        lists.appeal(bidder(), entry, "这不是我们的条目，但我们想申诉")
    item = lists.appeal(user, entry, "不合格评价所依据的评分表录入有误，附原始评分表。", "原始评分表扫描件")
    with pytest.raises(InvalidTransition):  # one at a time
        lists.appeal(user, entry, "再次申诉同一条目内容足够长")
    lists.decide_appeal(admin, item, True, "经核实评分录入错误，申诉成立，移出黑榜。")
    assert entry.removed_at is not None and standing.active_black(org.id) is None
    assert not [r for r in bids.refusals(org, project) if r.code == "black_list"]


def test_appeals_close_with_the_window_but_repair_stays_open():
    admin, user = make_user(Role.admin), bidder()
    events(user.organization, ("exit", -20, date(2026, 10, 10), None))
    period = lists.compute(admin, "2026Q4")
    lists.publish(admin, period)
    entry = period.entries[0]
    with clock.frozen(clock.now() + timedelta(days=20)):
        with pytest.raises(InvalidTransition):
            lists.appeal(user, entry, "逾期后的申诉内容足够长")
        repair = lists.appeal(user, entry, "已完成整改并经街道验收，申请信用修复。", repair=True)
        lists.decide_appeal(admin, repair, False, "整改尚未满六个月，暂不予修复。")


def test_red_list_bonus_and_two_consecutive_red_periods_propose_exemplary():
    admin = make_user(Role.admin)
    star = make_org(grade=Grade.a4)
    small = make_org(grade=Grade.a3)
    for org in (star, small):
        events(org, ("evaluation", 96, date(2026, 8, 1), 1))
    with clock.frozen(clock.now().replace(month=9, day=30)):
        q3 = lists.compute(admin, "2026Q3")
        lists.publish(admin, q3)
    assert standing.red_bonus(star.id) == Decimal("2")
    q4 = lists.compute(admin, "2026Q4")
    lists.publish(admin, q4)
    proposed = {p.organization_id for p in db.session.scalars(db.select(ExemplaryProposal))}
    assert proposed == {star.id}  # red twice and 4A; the 3A one is not proposed


def test_the_appeal_window_follows_the_state_council_calendar_around_the_spring_festival():
    from datetime import datetime, timezone

    admin, org = make_user(Role.admin), make_org()
    events(org, ("evaluation", 95, date(2025, 11, 2), 1))
    with clock.frozen(datetime(2026, 2, 12, 2, tzinfo=timezone.utc)):  # Thursday before 春节
        period = lists.compute(admin, "2025Q4")
        lists.publish(admin, period)
    # 10 working days: 02-13, 02-14 (调休 Saturday), 02-24…02-27, 02-28 (调休), 03-02, 03-03, 03-04
    assert period.appeal_until == date(2026, 3, 4)


def test_the_set_based_list_agrees_with_each_organizations_ledger():
    """The list is computed in one SQL statement; each entry's credit must be what the organization's
    own ledger (ledger.compute, in Python) gives — corrected evaluations, events without a project,
    complaints, exits and events outside the window included."""
    import random

    rng = random.Random(7)
    today = clock.today()
    projects = [bare_project() for _ in range(3)]
    orgs = [make_org() for _ in range(25)]
    for org in orgs:
        for _ in range(rng.randint(1, 6)):
            kind = rng.choice(["evaluation", "evaluation", "evaluation", "complaint", "exit", "excellent"])
            points = rng.randint(40, 100) if kind == "evaluation" else rng.choice([-10, -5, 3])
            project = rng.choice(projects + [None]) if kind == "evaluation" else None
            on = today - timedelta(days=rng.choice([1, 20, 60, 200, 500, 900]))
            db.session.add(ledger.CreditEvent(organization_id=org.id, kind=kind, points=Decimal(points), reason="测试",
                                              occurred_on=on, project_id=project))
    db.session.flush()
    period = lists.compute("cli", "2026Q4")
    entries = {e.organization_id: e for e in db.session.scalars(
        db.select(ListEntry).where(ListEntry.period_id == period.id))}
    seen = {"red": 0, "black": 0, None: 0}
    for org in orgs:
        score = ledger.score(org.id)
        entry = entries.get(org.id)
        seen[entry.kind.value if entry else None] += 1
        if entry is not None and entry.credit is not None:
            assert Decimal(entry.credit) == score.value, org.id
        if score.value is not None and score.value < 60:
            assert entry is not None and entry.kind.value == "black", org.id
    assert seen["black"] and seen[None]  # the sample reaches more than one outcome
