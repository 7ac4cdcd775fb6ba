"""发榜: approved needs become a project; publishing opens it for bids; withdrawal needs a public
reason; bidders ask questions until the Q&A deadline and the street answers in public."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.domain.core import audit, clock, codes, notify, permissions, rules, search
from marketplace.domain.core.errors import InvalidTransition, ValidationError, free_text
from marketplace.extensions import db
from marketplace.models import (
    Community,
    Need,
    NeedStatus,
    Organization,
    Project,
    ProjectStatus,
    Question,
    Regime,
    Role,
    User,
    VerificationStatus,
    organization_categories,
)

AWARD_CRITERIA = ("plan", "team", "past", "budget", "roadshow")
PRICE = "price"


def default_criteria(regime: Regime = Regime.community_fund) -> dict[str, int]:
    """The award criteria from the rules; a government purchase also carries a price criterion,
    its minimum weight taken from the service plan."""
    weights = rules.weights("award_weights")
    if regime is Regime.government_purchase:
        price = rules.get_rule("regime.gov.price_weight_min")
        weights["plan"] -= price
        weights[PRICE] = price
    return weights


def regime_defaults() -> dict[str, dict[str, int]]:
    """The pre-filled weights of each regime (every criterion named, 0 when absent), for the form."""
    return {regime.value: {k: default_criteria(regime).get(k, 0) for k in (*AWARD_CRITERIA, PRICE)}
            for regime in Regime}


def prefill_for_regime(criteria: dict[str, int], regime: Regime) -> dict[str, int] | None:
    """The regime's own pre-filled weights when `criteria` are another regime's untouched
    pre-filled weights (the regime was switched and nothing else changed); None otherwise."""
    given = {k: int(criteria.get(k) or 0) for k in (*AWARD_CRITERIA, PRICE)}
    defaults = regime_defaults()
    if given == defaults[regime.value]:
        return None
    if any(given == weights for name, weights in defaults.items() if name != regime.value):
        return defaults[regime.value]
    return None


def validate_criteria(criteria: dict[str, int], regime: Regime) -> dict[str, int]:
    clean = {k: int(v) for k, v in criteria.items() if k in (*AWARD_CRITERIA, PRICE) and int(v) > 0}
    if any(int(v) < 0 for v in criteria.values()):
        raise ValidationError(_l("Weights cannot be negative."), field="criteria")
    total = sum(clean.values())
    if total != 100:
        raise ValidationError(_l("The weights add up to %(total)s; they must add up to %(n)s.",
                                 total=total, n=100), field="criteria")
    if regime is Regime.government_purchase:
        low, high = rules.get_rule("regime.gov.price_weight_min"), rules.get_rule("regime.gov.price_weight_max")
        if not low <= clean.get(PRICE, 0) <= high:
            raise ValidationError(_l("A government purchase must weigh price between %(low)s and %(high)s.",
                                     low=low, high=high), field="criteria")
    return clean


def validate_window(bid_deadline: datetime, qa_deadline: datetime, opening: datetime) -> None:
    minimum = rules.get_rule("project.bid_window_min_days")
    qa_days = rules.get_rule("project.qa_close_days")
    if bid_deadline <= opening:
        raise ValidationError(_l("The bidding deadline must be in the future."), field="bid_deadline")
    if bid_deadline - opening < timedelta(days=minimum):
        raise ValidationError(_l("Bidding must stay open at least %(n)s days after publication.", n=minimum),
                              field="bid_deadline")
    if qa_deadline >= bid_deadline:
        raise ValidationError(_l("The Q&A deadline must come before the bidding deadline."),
                              field="qa_deadline")
    if qa_deadline > bid_deadline - timedelta(days=qa_days):
        raise ValidationError(_l("Q&A must close at least %(n)s days before the bidding deadline.", n=qa_days),
                              field="qa_deadline")
    if qa_deadline <= opening:
        raise ValidationError(_l("The Q&A deadline must be in the future."), field="qa_deadline")


def _validate(data: dict[str, Any]) -> None:
    budget = data.get("budget_cap")
    if not isinstance(budget, Decimal) or not budget.is_finite() or budget <= 0:
        raise ValidationError(_l("The budget cap must be an amount above 0."), field="budget_cap")
    if not data.get("community_ids"):
        raise ValidationError(_l("Choose at least one community the service covers."), field="community_ids")
    validate_window(data["bid_deadline"], data["qa_deadline"], clock.now())
    data["criteria"] = validate_criteria(data["criteria"], data["regime"])


def _apply(project: Project, data: dict[str, Any], street_id: int) -> None:
    for key in ("title", "scope", "outputs", "budget_cap", "category_id", "regime", "min_grade",
                "bid_deadline", "qa_deadline", "criteria"):
        setattr(project, key, data[key])
    project.communities = list(db.session.scalars(select(Community).where(
        Community.id.in_(data["community_ids"]), Community.street_id == street_id)))
    if len(project.communities) != len(set(data["community_ids"])):
        raise ValidationError(_l("A project covers communities of its own street only."), field="community_ids")
    project.search_text = search.tokens(project.title, project.scope, project.outputs)


def create(actor: User, needs: list[Need], data: dict[str, Any], submission_key: str | None = None) -> Project:
    """A draft project from one or more approved needs of the street."""
    permissions.require(actor, "project.create")
    if submission_key:
        earlier = db.session.scalar(select(Project).where(Project.submission_key == submission_key))
        if earlier is not None:
            return earlier
    if not needs:
        raise ValidationError(_l("Choose at least one approved need."), field="need_ids")
    for need in needs:
        if need.status is not NeedStatus.approved or need.community.street_id != actor.street_id:
            raise InvalidTransition(_l("Need %(code)s is not an approved need of your street.", code=need.code))
    _validate(data)
    project = Project(code=codes.project_code(), street_id=actor.street_id, created_by_id=actor.id,
                      submission_key=submission_key)
    _apply(project, data, actor.street_id)
    db.session.add(project)
    db.session.flush()
    for need in needs:
        need.status, need.project_id = NeedStatus.in_project, project.id
        audit.append(actor, "need.in_project", need, {"project": project.code})
    audit.append(actor, "project.drafted", project,
                 {"needs": [n.code for n in needs], "budget_cap": str(project.budget_cap),
                  "criteria": project.criteria, "regime": project.regime.value})
    return project


def update(actor: User, project: Project, data: dict[str, Any]) -> None:
    permissions.require(actor, "project.edit", project)
    _validate(data)
    _apply(project, data, project.street_id)
    audit.append(actor, "project.edited", project, {"budget_cap": str(project.budget_cap),
                                                     "criteria": project.criteria})


def publish(actor: User, project: Project) -> None:
    """发榜: the project becomes public and open for bids; organizations of its category hear of it."""
    permissions.require(actor, "project.publish", project)
    validate_window(project.bid_deadline, project.qa_deadline, clock.now())  # dates may have passed
    validate_criteria(project.criteria, project.regime)
    project.status, project.published_at = ProjectStatus.bidding, clock.now()
    audit.append(actor, "project.published", project, {
        "bid_deadline": project.bid_deadline.isoformat(), "qa_deadline": project.qa_deadline.isoformat(),
        "budget_cap": str(project.budget_cap), "criteria": project.criteria})
    org_users = list(db.session.scalars(
        select(User).join(Organization, User.organization_id == Organization.id)
        .join(organization_categories, organization_categories.c.organization_id == Organization.id)
        .where(User.role == Role.organization, Organization.status == VerificationStatus.verified,
               organization_categories.c.category_id == project.category_id)))
    told = {u.id for u in org_users}
    notify.notify(org_users, "project.published", {"code": project.code, "title": project.title},
                  f"/projects/{project.code}")
    # 供需精准匹配: also the organizations whose listed services the matcher ranks for the project (the
    # same ranking as a need's page), covering its street and sharing a concept with it beyond the audience
    from marketplace.domain.supply import match, ordering  # the supply side sits beside the tender stage

    text = "\n".join(p for p in (project.title, project.scope, project.outputs) if p)
    fitting: dict[int, str] = {}
    for found in match.rank(text, street=project.street.name, limit=20, category_code=project.category.code):
        if found.match.specific and found.service.covers(project.street_id):
            fitting.setdefault(found.service.organization_id, found.service.name)
    if fitting:
        for org_id, service in fitting.items():
            users = [u for u in db.session.scalars(select(User).where(
                User.organization_id == org_id, User.role == Role.organization)) if u.id not in told]
            told.update(u.id for u in users)
            notify.notify(users, "project.matched", {"code": project.code, "title": project.title,
                                                     "service": service}, f"/projects/{project.code}")

    invited = ordering.invited_org_ids(project)
    if invited:
        notify.notify(db.session.scalars(select(User).where(User.organization_id.in_(invited))),
                      "order.project_published", {"code": project.code, "title": project.title},
                      f"/projects/{project.code}")


def withdraw(actor: User, project: Project, reason: str) -> None:
    """Withdrawal is public and keeps the record; the needs become publishable again."""
    permissions.require(actor, "project.withdraw", project)
    reason = free_text(reason)
    if not reason:
        raise ValidationError(_l("Give the reason; it is public."), field="reason")
    project.status, project.withdrawn_reason, project.withdrawn_at = ProjectStatus.withdrawn, reason, clock.now()
    if project.published_at is None:
        project.published_at = project.withdrawn_at  # a withdrawn draft is shown with its reason
    for need in project.needs:
        need.status, need.project_id = NeedStatus.approved, None
        audit.append(actor, "need.released", need, {"project": project.code})
    audit.append(actor, "project.withdrawn", project, {"reason": reason})


def ask(actor: User, project: Project, text: str, submission_key: str | None = None) -> Question:
    if submission_key:
        earlier = db.session.scalar(select(Question).where(Question.submission_key == submission_key))
        if earlier is not None:
            return earlier
    if not permissions.can(actor, "project.ask", project):
        if project.status is ProjectStatus.bidding and clock.now() >= project.qa_deadline:
            raise InvalidTransition(_l("Questions closed on %(d)s.", d=project.qa_deadline.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")))
        permissions.require(actor, "project.ask", project)
    text = (text or "").strip()
    if len(text) < 5:
        raise ValidationError(_l("Please write the question (at least 5 characters)."), field="text")
    question = Question(project_id=project.id, organization_id=actor.organization_id, asked_by_id=actor.id,
                        text=text, submission_key=submission_key, created_at=clock.now())
    db.session.add(question)
    audit.append(actor, "project.question_asked", project, {"question": text})  # the asker stays private
    return question


def answer(actor: User, question: Question, text: str) -> None:
    permissions.require(actor, "question.answer", question)
    text = (text or "").strip()
    if not text:
        raise ValidationError(_l("Write the answer."), field="answer")
    question.answer, question.answered_at, question.answered_by_id = text, clock.now(), actor.id
    audit.append(actor, "project.question_answered", question.project, {"question": question.text,
                                                                         "answer": text})
    notify.notify([db.session.get(User, question.asked_by_id)], "question.answered",
                  {"code": question.project.code}, f"/projects/{question.project.code}")


def open_question_count(street_id: int) -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count(Question.id)).join(Project).where(
        Project.street_id == street_id, Question.answer.is_(None),
        Project.status == ProjectStatus.bidding)) or 0
