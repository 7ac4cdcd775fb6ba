from datetime import timedelta
from decimal import Decimal

import pytest
from werkzeug.exceptions import Forbidden

from marketplace.domain.core import audit, clock
from marketplace.domain.tender import projects
from marketplace.domain.core.errors import InvalidTransition, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    NeedStatus,
    Notification,
    ProjectStatus,
    Regime,
    Role,
    VerificationStatus,
)
from tests.factories import approved_need, make_category, make_need, make_org, make_user, project_data


def draft():
    need, officer = approved_need()
    project = projects.create(officer, [need], project_data(officer))
    return project, officer, need


def test_approved_needs_become_a_draft_with_a_code():
    project, officer, need = draft()
    assert project.code == "LCXM-2026-0001" and project.status is ProjectStatus.draft
    assert need.status is NeedStatus.in_project and need.project_id == project.id
    assert project.criteria == {"plan": 40, "team": 20, "past": 15, "budget": 15, "roadshow": 10}


def test_only_approved_needs_of_ones_own_street():
    need, officer = approved_need()
    other_officer = make_user(Role.street)
    with pytest.raises(InvalidTransition):
        projects.create(other_officer, [need], project_data(other_officer))
    fresh = make_need()
    with pytest.raises(InvalidTransition):
        projects.create(officer, [fresh], project_data(officer))
    for role in (Role.secretary, Role.expert, Role.organization, Role.admin):
        with pytest.raises(Forbidden):
            projects.create(make_user(role), [need], project_data(officer))


@pytest.mark.parametrize(("change", "field"), [
    ({"budget_cap": Decimal("0")}, "budget_cap"),
    ({"budget_cap": Decimal("-5")}, "budget_cap"),
    ({"criteria": {"plan": 50, "team": 20, "past": 15, "budget": 15, "roadshow": 10}}, "criteria"),
    ({"bid_deadline": timedelta(days=-1)}, "bid_deadline"),
    ({"bid_deadline": timedelta(days=6, hours=23), "qa_deadline": timedelta(days=2)}, "bid_deadline"),
    ({"qa_deadline": timedelta(days=11)}, "qa_deadline"),          # after the bidding deadline
    ({"qa_deadline": timedelta(days=8, hours=1)}, "qa_deadline"),  # less than 2 days before it
    ({"qa_deadline": timedelta(hours=-1)}, "qa_deadline"),
    ({"community_ids": []}, "community_ids"),
])
def test_bad_terms_are_refused_naming_the_field(change, field):
    """Deadlines are given relative to now (10 days and 7 days by default)."""
    change = {k: clock.now() + v if isinstance(v, timedelta) else v for k, v in change.items()}
    need, officer = approved_need()
    with pytest.raises(ValidationError) as err:
        projects.create(officer, [need], project_data(officer, **change))
    assert err.value.field == field
    assert need.status is NeedStatus.approved


def test_window_of_exactly_the_minimum_is_accepted():
    need, officer = approved_need()
    now = clock.now()
    project = projects.create(officer, [need], project_data(
        officer, bid_deadline=now + timedelta(days=7), qa_deadline=now + timedelta(days=5)))
    assert project.bid_deadline - now == timedelta(days=7)


@pytest.mark.parametrize(("price", "ok"), [(0, False), (9, False), (10, True), (30, True), (31, False)])
def test_government_purchase_needs_a_price_criterion_of_10_to_30(price, ok):
    need, officer = approved_need()
    criteria = {"plan": 70 - price, "team": 20, "past": 0, "budget": 0, "roadshow": 10, "price": price}
    data = project_data(officer, regime=Regime.government_purchase, criteria=criteria)
    if ok:
        assert projects.create(officer, [need], data).criteria.get("price") == price
    else:
        with pytest.raises(ValidationError):
            projects.create(officer, [need], data)


def test_default_criteria_follow_the_rules():
    assert sum(projects.default_criteria().values()) == 100
    gov = projects.default_criteria(Regime.government_purchase)
    assert gov["price"] == 10 and gov["plan"] == 30 and sum(gov.values()) == 100


def test_publishing_opens_bidding_and_tells_organizations_of_the_category():
    project, officer, _need = draft()
    matching = make_org()
    matching.categories = [project.category]
    other = make_org()
    other.categories = [make_category()]
    pending = make_org(status=VerificationStatus.pending)
    pending.categories = [project.category]
    member, outsider = make_user(Role.organization, organization_id=matching.id), make_user(
        Role.organization, organization_id=other.id)
    pending_user = make_user(Role.organization, organization_id=pending.id)
    projects.publish(officer, project)
    assert project.status is ProjectStatus.bidding and project.published_at == clock.now()
    told = set(db.session.scalars(db.select(Notification.user_id).where(Notification.kind == "project.published")))
    assert told == {member.id}
    assert outsider.id not in told and pending_user.id not in told
    with pytest.raises(Forbidden):  # published: no second publication, no edits
        projects.publish(officer, project)


def test_publishing_rechecks_dates_that_have_passed():
    project, officer, _need = draft()
    with clock.frozen(clock.now() + timedelta(days=4)):
        with pytest.raises(ValidationError):
            projects.publish(officer, project)
    assert project.status is ProjectStatus.draft


def test_withdrawal_needs_a_public_reason_and_releases_the_needs():
    project, officer, need = draft()
    projects.publish(officer, project)
    with pytest.raises(ValidationError):
        projects.withdraw(officer, project, "")
    projects.withdraw(officer, project, "需求已由区级项目覆盖")
    assert project.status is ProjectStatus.withdrawn and project.withdrawn_reason
    assert need.status is NeedStatus.approved and need.project_id is None
    assert [e.action for e in audit.timeline(project)][-1] == "project.withdrawn"


def test_questions_until_the_qa_deadline_answered_in_public():
    project, officer, _need = draft()
    projects.publish(officer, project)
    org_user = make_user(Role.organization)
    question = projects.ask(org_user, project, "预算是否包含场地费用？")
    projects.answer(officer, question, "不包含，场地由社区提供。")
    assert question.answered_at == clock.now()
    note = db.session.scalars(db.select(Notification).where(Notification.user_id == org_user.id)).one()
    assert note.kind == "question.answered"
    with pytest.raises(Forbidden):  # answered once
        projects.answer(officer, question, "again")
    with clock.frozen(project.qa_deadline):
        with pytest.raises(InvalidTransition):
            projects.ask(org_user, project, "截止后还能提问吗？")


def test_only_verified_organizations_ask_and_only_the_street_answers():
    project, officer, _need = draft()
    with pytest.raises(Forbidden):  # not published yet
        projects.ask(make_user(Role.organization), project, "可以提问吗？")
    projects.publish(officer, project)
    pending = make_user(Role.organization, organization_id=make_org(status=VerificationStatus.pending).id)
    with pytest.raises(Forbidden):
        projects.ask(pending, project, "可以提问吗？")
    question = projects.ask(make_user(Role.organization), project, "可以提问吗？")
    with pytest.raises(Forbidden):
        projects.answer(make_user(Role.street), question, "别的街道")
