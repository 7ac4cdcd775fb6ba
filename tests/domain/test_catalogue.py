"""资源清单: a service item's life (draft → submitted → listed/returned → paused → retired), its
validation, permissions, audit, and the track record the platform computes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from werkzeug.exceptions import Forbidden

from marketplace.domain.credit import ledger
from marketplace.domain.core.errors import InvalidTransition, ValidationError
from marketplace.domain.supply import catalogue
from marketplace.extensions import db
from marketplace.models import (
    AuditEntry,
    Bid,
    BidStatus,
    Evaluation,
    EvaluationGrade,
    Grade,
    Project,
    ProjectStatus,
    Role,
    ServiceStatus,
    VerificationStatus,
)
from tests.factories import listed_service, make_category, make_org, make_street, make_user, service_data


def _actions(item):
    return [e.action for e in db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.subject_type == "service_items", AuditEntry.subject_id == item.id).order_by(AuditEntry.seq))]


def test_the_life_of_an_item_is_audited_and_nothing_is_deleted():
    org_user, admin = make_user(Role.organization), make_user(Role.admin)
    item = catalogue.create(org_user, service_data())
    assert item.status is ServiceStatus.draft and item.code.startswith("LCFW-2026-")
    catalogue.submit(org_user, item)
    catalogue.send_back(admin, item, "请写明助浴员资质")
    assert item.status is ServiceStatus.returned and item.return_reason == "请写明助浴员资质"
    catalogue.update(org_user, item, service_data(team="持证护理员 6 名，均有养老护理员证"))
    catalogue.submit(org_user, item)
    catalogue.approve(admin, item)
    assert item.status is ServiceStatus.listed and item.listed_at is not None and item.return_reason is None
    catalogue.pause(org_user, item, "春节期间暂停")
    catalogue.resume(org_user, item)
    catalogue.retire(org_user, item, "服务调整")
    assert item.status is ServiceStatus.retired and item.retired_at is not None
    assert _actions(item) == ["service.created", "service.submitted", "service.returned", "service.edited",
                              "service.submitted", "service.listed", "service.paused", "service.resumed",
                              "service.retired"]
    with pytest.raises(Forbidden):  # retired is the end
        catalogue.resume(org_user, item)
    with pytest.raises(Forbidden):
        catalogue.update(org_user, item, service_data())


def test_an_edit_records_the_old_and_new_values():
    org_user = make_user(Role.organization)
    category = make_category()
    item = catalogue.create(org_user, service_data(category=category))
    changes = catalogue.update(org_user, item, service_data(category=category, price=Decimal("150"),
                                                            monthly_capacity=30))
    assert changes == {"price": ["120.00", "150.00"], "monthly_capacity": [40, 30]}
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "service.edited")).one()
    assert entry.private["data"]["changes"]["price"] == ["120.00", "150.00"]


@pytest.mark.parametrize(("status", "allowed"), [
    (ServiceStatus.draft, True), (ServiceStatus.returned, True), (ServiceStatus.submitted, False),
    (ServiceStatus.listed, False), (ServiceStatus.paused, False), (ServiceStatus.retired, False)])
def test_submit_only_from_draft_or_returned(status, allowed):
    org_user = make_user(Role.organization)
    item = catalogue.create(org_user, service_data())
    item.status = status
    item.return_reason = "x" if status is ServiceStatus.returned else None
    item.listed_at = catalogue.clock.now() if status in (ServiceStatus.listed, ServiceStatus.paused) else None
    item.retired_at = catalogue.clock.now() if status is ServiceStatus.retired else None
    if allowed:
        catalogue.submit(org_user, item)
        assert item.status is ServiceStatus.submitted
    else:
        with pytest.raises(Forbidden):
            catalogue.submit(org_user, item)


def test_only_the_district_reviews_and_a_return_needs_a_reason():
    org_user, admin = make_user(Role.organization), make_user(Role.admin)
    item = catalogue.create(org_user, service_data())
    catalogue.submit(org_user, item)
    with pytest.raises(Forbidden):
        catalogue.approve(org_user, item)
    with pytest.raises(Forbidden):
        catalogue.approve(make_user(Role.street), item)
    with pytest.raises(ValidationError):
        catalogue.send_back(admin, item, "  ")


def test_another_organization_cannot_touch_an_item():
    item = listed_service()
    stranger = make_user(Role.organization)
    for operation in (catalogue.pause, catalogue.retire):
        with pytest.raises(Forbidden):
            operation(stranger, item)
    with pytest.raises(Forbidden):
        catalogue.update(stranger, item, service_data())


def test_a_pending_organization_drafts_but_cannot_submit():
    org_user = make_user(Role.organization, organization_id=make_org(status=VerificationStatus.pending).id)
    item = catalogue.create(org_user, service_data())
    with pytest.raises(InvalidTransition):
        catalogue.submit(org_user, item)


@pytest.mark.parametrize(("field", "value"), [
    ("price", Decimal("0")), ("price", Decimal("-5")), ("price", "abc"), ("price", Decimal("1.234")),
    ("monthly_capacity", 0), ("monthly_capacity", -3), ("monthly_capacity", "十"),
    ("name", ""), ("name", "名" * 101), ("description", "有\x00控制字符"), ("audience", " "),
    ("category_id", 999999), ("price_basis", "per_year")])
def test_bad_values_are_refused_with_the_field(field, value):
    org_user = make_user(Role.organization)
    with pytest.raises(ValidationError) as refused:
        catalogue.create(org_user, service_data(**{field: value}))
    assert refused.value.field == field


def test_streets_or_the_whole_district_and_no_duplicate_name():
    org_user = make_user(Role.organization)
    with pytest.raises(ValidationError) as refused:
        catalogue.create(org_user, service_data(whole_district=False, street_ids=[]))
    assert refused.value.field == "street_ids"
    street = make_street()
    item = catalogue.create(org_user, service_data(streets=[street]))
    assert item.streets == [street] and not item.whole_district and item.covers(street.id)
    with pytest.raises(ValidationError) as refused:
        catalogue.create(org_user, service_data(name="上门助浴服务"))
    assert refused.value.field == "name"
    catalogue.create(make_user(Role.organization), service_data())  # another organization may use the name


def test_the_same_form_sent_twice_makes_one_item():
    org_user = make_user(Role.organization)
    first = catalogue.create(org_user, service_data(), submission_key="k1")
    assert catalogue.create(org_user, service_data(), submission_key="k1") is first


def test_track_record_is_computed_from_the_platform():
    category = make_category()
    org = make_org(grade=Grade.a4)
    org_user = make_user(Role.organization, organization_id=org.id)
    item = listed_service(org_user=org_user, category=category)
    officer = make_user(Role.street)
    for n, (grade, total) in enumerate([(EvaluationGrade.excellent, "92"), (EvaluationGrade.good, "84")]):
        project = Project(code=f"LCXM-2026-90{n}", title=f"助浴项目{n}", scope="s", outputs="o", budget_cap=50000,
                          category_id=category.id, street_id=officer.street_id, bid_deadline=catalogue.clock.now(),
                          qa_deadline=catalogue.clock.now() - timedelta(days=2), criteria={}, status=ProjectStatus.evaluated,
                          published_at=catalogue.clock.now())
        db.session.add(project)
        db.session.flush()
        db.session.add(Bid(project_id=project.id, organization_id=org.id, status=BidStatus.awarded,
                           submitted_at=catalogue.clock.now(), digest="0" * 64))
        db.session.add(Evaluation(project_id=project.id, parts={}, total=Decimal(total), grade=grade,
                                  missing_rule="redistribute"))
        ledger.record(org.id, ledger.EVALUATION, total, "考榜", project)
    other = make_category()
    record = catalogue.track_record(item)
    assert [p.title for p in record.projects] == ["助浴项目1", "助浴项目0"]
    assert record.grades == {EvaluationGrade.excellent: 1, EvaluationGrade.good: 1}
    assert record.credit == Decimal("88.00") and record.grade is Grade.a4 and not record.black
    assert catalogue.past_grades({(org.id, category.id), (org.id, other.id)}) == {
        (org.id, category.id): ["excellent", "good"]}
    assert catalogue.credit_scores({org.id}) == {org.id: Decimal("88.00")}
