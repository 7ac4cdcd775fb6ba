from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import Forbidden

from marketplace.domain.core import clock
from marketplace.domain.credit import ledger
from marketplace.domain.deliver import delivery
from marketplace.domain.tender import bids
from marketplace.domain.core.errors import InvalidTransition, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    ComplaintStatus,
    CreditEvent,
    InterventionStatus,
    MilestoneStatus,
    ProjectStatus,
    Role,
)
from tests.factories import bidder, make_user, project_in_delivery


def photo():
    buffer = BytesIO()
    Image.new("RGB", (800, 600), (20, 120, 200)).save(buffer, "JPEG")
    buffer.seek(0)
    return FileStorage(buffer, filename="p.jpg")


def planned():
    project, officer, winner, secretary = project_in_delivery()
    deal = delivery.contract(project)
    lines = [{"output": "完成需求调研", "due_on": deal.starts_on + timedelta(days=30), "tranche": "20000"},
             {"output": "开展服务", "due_on": deal.starts_on + timedelta(days=120), "tranche": "40000"}]
    delivery.set_plan(winner, project, lines)
    delivery.approve_plan(officer, project)
    return project, officer, winner, secretary


def test_the_plan_stays_within_the_contract():
    project, officer, winner, _ = project_in_delivery()
    deal = delivery.contract(project)
    assert project.status is ProjectStatus.delivery and deal.amount == Decimal("60000.00")
    with pytest.raises(ValidationError):  # a date outside the contract
        delivery.set_plan(winner, project, [{"output": "x", "due_on": deal.ends_on + timedelta(days=1), "tranche": "1"}])
    with pytest.raises(ValidationError):  # tranches beyond the amount
        delivery.set_plan(winner, project, [{"output": "x", "due_on": deal.starts_on, "tranche": "60000.01"}])
    with pytest.raises(Forbidden):  # another organization
        delivery.set_plan(bidder(), project, [{"output": "x", "due_on": deal.starts_on, "tranche": "1"}])
    rows = delivery.set_plan(winner, project, [{"output": "调研", "due_on": deal.starts_on, "tranche": "60000"}])
    assert [m.seq for m in rows] == [1]
    with pytest.raises(Forbidden):
        delivery.approve_plan(winner, project)
    delivery.approve_plan(officer, project)
    with pytest.raises(InvalidTransition):
        delivery.set_plan(winner, project, [{"output": "改", "due_on": deal.starts_on, "tranche": "1"}])


def test_progress_with_photos_spending_within_the_tranche_and_confirmation(app):
    project, officer, winner, secretary = planned()
    first = delivery.milestones(project)[0]
    with pytest.raises(ValidationError):
        delivery.report_progress(winner, first, "入户调研完成", 50, "20000.01")
    fake = FileStorage(BytesIO(b"not an image"), filename="x.jpg")
    with pytest.raises(ValidationError):
        delivery.report_progress(winner, first, "入户调研完成", 50, "100", photos=[fake])
    report = delivery.report_progress(winner, first, "入户调研完成", 50, "15000", photos=[photo()], delivered=True)
    assert first.status is MilestoneStatus.delivered and len(report.photos) == 1
    assert (delivery.uploads.folder("progress") / report.photos[0].thumb_name).exists()
    with pytest.raises(ValidationError):  # 15,000 + 5,001 > 20,000
        delivery.report_progress(winner, first, "补充", 0, "5001")
    with pytest.raises(Forbidden):  # only the project's community confirms
        delivery.confirm_milestone(make_user(Role.secretary), first, True)
    with pytest.raises(ValidationError):
        delivery.confirm_milestone(secretary, first, False, "")
    delivery.confirm_milestone(secretary, first, False, "走访名单与实际不符")
    assert first.status is MilestoneStatus.disputed
    delivery.report_progress(winner, first, "补充走访", 10, "1000", delivered=True)
    delivery.confirm_milestone(secretary, first, True)
    assert first.status is MilestoneStatus.confirmed


@pytest.mark.parametrize(("days_late", "opens"), [(14, False), (15, True)])
def test_an_overdue_milestone_opens_an_intervention_after_the_limit(days_late, opens):
    project, _officer, _winner, _ = planned()
    first = delivery.milestones(project)[0]
    with clock.frozen(clock.now() + timedelta(days=(first.due_on - clock.today()).days + days_late)):
        assert (delivery.check_interventions(project) is not None) is opens


def test_three_upheld_complaints_open_an_intervention():
    project, officer, winner, _ = planned()
    complaints = [delivery.file_complaint(project, f"送餐迟到超过一小时，第{i}次", "10.0.0.9") for i in range(4)]
    delivery.decide_complaint(officer, complaints[0], False, "核实为偶发交通拥堵")
    for c in complaints[1:3]:
        delivery.decide_complaint(officer, c, True, "经核实属实")
    assert delivery.open_intervention(project) is None
    delivery.decide_complaint(officer, complaints[3], True, "经核实属实")
    assert delivery.open_intervention(project) is not None
    events = db.session.scalars(db.select(CreditEvent).where(CreditEvent.kind == "complaint")).all()
    assert [e.points for e in events] == [Decimal("-5.00")] * 3
    assert complaints[0].status is ComplaintStatus.dismissed


def test_rectification_window_and_exit_with_its_consequences():
    project, officer, winner, _ = planned()
    first = delivery.milestones(project)[0]
    late = clock.now() + timedelta(days=(first.due_on - clock.today()).days + 20)
    with clock.frozen(late):
        item = delivery.check_interventions(project)
        assert item.plan_due_on == clock.today() + timedelta(days=10)
        with pytest.raises(InvalidTransition):  # the organization still has time
            delivery.decide_rectification(officer, item, False, "未整改")
    with clock.frozen(late + timedelta(days=11)):
        with pytest.raises(InvalidTransition):  # too late to file
            delivery.file_rectification(winner, item, "加派人手，两周内完成调研。")
        delivery.decide_rectification(officer, item, False, "逾期未提交整改方案")
        assert item.status is InterventionStatus.exited and project.status is ProjectStatus.exited
        [event] = db.session.scalars(db.select(CreditEvent).where(CreditEvent.kind == "exit")).all()
        assert event.points == Decimal("-20.00")
        # the exited organization may not bid again for this project
        assert "exited" in [r.code for r in bids.refusals(winner.organization, project)]


def test_an_accepted_rectification_closes_the_intervention():
    project, officer, winner, _ = planned()
    first = delivery.milestones(project)[0]
    with clock.frozen(clock.now() + timedelta(days=(first.due_on - clock.today()).days + 20)):
        item = delivery.check_interventions(project)
        delivery.file_rectification(winner, item, "增加两名社工，十日内补齐调研。")
        delivery.decide_rectification(officer, item, True, "整改方案可行")
        assert item.status is InterventionStatus.accepted and project.status is ProjectStatus.delivery


def test_closing_needs_every_milestone_confirmed_then_the_community_signs_off():
    project, officer, winner, secretary = planned()
    data = {"outputs": "服务60人", "beneficiaries": 60, "spending": "58000", "lessons": "需提前招募志愿者"}
    with pytest.raises(InvalidTransition):
        delivery.submit_closing(winner, project, data)
    for m in delivery.milestones(project):
        delivery.report_progress(winner, m, "完成", 30, "1000", delivered=True)
        delivery.confirm_milestone(secretary, m, True)
    with pytest.raises(ValidationError):
        delivery.submit_closing(winner, project, {**data, "spending": "60000.01"})
    delivery.submit_closing(winner, project, data)
    delivery.sign_off(secretary, project)
    assert project.status is ProjectStatus.evaluation


def test_credit_score_formula():
    from datetime import date

    from marketplace.models import CreditEvent as E

    events = [E(kind="evaluation", points=Decimal(80), occurred_on=date(2026, 1, 1), project_id=1, id=1),
              E(kind="evaluation", points=Decimal(90), occurred_on=date(2026, 6, 1), project_id=2, id=2),
              E(kind="exit", points=Decimal(-20), occurred_on=date(2026, 7, 1), id=3),
              E(kind="evaluation", points=Decimal(70), occurred_on=date(2024, 1, 1), project_id=3, id=4)]
    result = ledger.compute(events, date(2026, 11, 26))
    assert result.evaluation_mean == Decimal("85.00") and result.value == Decimal("65.00")
    corrected = events + [E(kind="evaluation", points=Decimal(100), occurred_on=date(2026, 8, 1), project_id=1, id=5)]
    assert ledger.compute(corrected, date(2026, 11, 26)).evaluation_mean == Decimal("95.00")
    assert ledger.compute([], date(2026, 11, 26)).value is None


def test_after_an_accepted_rectification_only_new_trouble_opens_another_intervention():
    project, officer, winner, _ = planned()
    first = delivery.milestones(project)[0]
    late = clock.now() + timedelta(days=(first.due_on - clock.today()).days + 20)
    with clock.frozen(late):
        item = delivery.check_interventions(project)
        delivery.file_rectification(winner, item, "增加两名社工，十日内补齐调研。")
        delivery.decide_rectification(officer, item, True, "整改方案可行")
    with clock.frozen(late + timedelta(days=3)):
        assert delivery.check_interventions(project) is None  # the same overdue milestone: already handled
        complaints = [delivery.file_complaint(project, f"上门服务未按时到达，第{i}次", "10.0.0.9") for i in range(3)]
        for c in complaints[:2]:
            delivery.decide_complaint(officer, c, True, "属实")
        assert delivery.open_intervention(project) is None
        delivery.decide_complaint(officer, complaints[2], True, "属实")
        assert "3" in delivery.open_intervention(project).cause
