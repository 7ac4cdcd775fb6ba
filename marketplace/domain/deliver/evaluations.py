"""考榜: four parties score the delivered project — the community/street party organization, the
residents (a satisfaction survey by single-use codes), the functional department and the
experts/third party — each with its own instrument; the weighted total gives the grade, which
feeds the organization's credit."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from marketplace.domain.core import audit, clock, notify, permissions, records, rules, scoring
from marketplace.domain.credit import ledger
from marketplace.domain.core.criteria import clean_scores
from marketplace.domain.core.errors import InvalidTransition, ValidationError, free_text
from marketplace.extensions import db
from marketplace.models import (
    Evaluation,
    EvaluationGrade,
    Evaluator,
    Party,
    Project,
    ProjectStatus,
    Role,
    SurveyCode,
    User,
)

# Each party's instrument: criteria and their points (each adds up to 100).
INSTRUMENTS: dict[Party, dict[str, int]] = {
    Party.party: {"need_met": 40, "community_effect": 30, "cooperation": 30},
    Party.department: {"compliance": 40, "outputs": 30, "funds": 30},
    Party.experts: {"outputs": 30, "quality": 30, "funds": 20, "sustainability": 20},
}
CRITERION_LABELS = {
    "need_met": _l("The need was met"), "community_effect": _l("Effect in the community"),
    "cooperation": _l("Cooperation with the community"), "compliance": _l("Compliance"),
    "outputs": _l("Outputs delivered against targets"), "funds": _l("Use of funds"),
    "quality": _l("Professional quality"), "sustainability": _l("Sustainability"),
}
SURVEY_QUESTIONS = {
    "attitude": _l("Were the staff friendly and respectful?"),
    "quality": _l("How good was the service?"),
    "timeliness": _l("Did the service come when promised?"),
    "effect": _l("Did it make a difference for your household?"),
    "overall": _l("Overall, how satisfied are you?"),
}
# the answers in words, best first: a household picks a phrase, the score is its number (1–5)
SURVEY_CHOICES = (
    (5, _l("Very satisfied")),
    (4, _l("Satisfied")),
    (3, _l("Neither satisfied nor dissatisfied")),
    (2, _l("Dissatisfied")),
    (1, _l("Very dissatisfied")),
)
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def _fits(user: User, party: Party, project: Project) -> bool:
    if party is Party.party:
        community_ids = {c.id for c in project.communities}
        return (user.role is Role.secretary and user.community_id in community_ids) or (
            user.role is Role.street and user.street_id == project.street_id)
    if party is Party.department:
        return user.role is Role.department
    return user.role is Role.expert


def candidates(project: Project) -> dict[Party, list[User]]:
    """Who may evaluate, by party: active accounts only (the same rule as panel members)."""
    active = User.active.is_(True)
    return {
        Party.party: list(db.session.scalars(select(User).where(active, (
            (User.role == Role.secretary) & User.community_id.in_([c.id for c in project.communities]))
            | ((User.role == Role.street) & (User.street_id == project.street_id))).order_by(User.display_name))),
        Party.department: list(db.session.scalars(select(User).where(
            User.role == Role.department, active).order_by(User.display_name))),
        Party.experts: list(db.session.scalars(select(User).where(
            User.role == Role.expert, active).order_by(User.display_name))),
    }


def assign(actor: User, project: Project, selections: list[tuple[User, Party]]) -> list[Evaluator]:
    permissions.require(actor, "evaluation.manage", project)
    added = []
    existing = {e.user_id for e in evaluators(project)}
    for user, party in selections:
        if party is Party.residents or not _fits(user, party, project):
            raise ValidationError(_l("%(name)s cannot score for %(party)s.", name=user.display_name, party=party.label),
                                  field="evaluators")
        if user.id in existing:
            continue
        row = Evaluator(project_id=project.id, user_id=user.id, party=party)
        db.session.add(row)
        added.append(row)
    db.session.flush()
    audit.append(actor, "evaluation.evaluators_assigned", project, {"count": len(added)}, rows=added)
    notify.notify([db.session.get(User, r.user_id) for r in added], "evaluation.assigned",
                  {"code": project.code}, f"/projects/{project.code}/evaluation")
    return added


def evaluators(project: Project) -> list[Evaluator]:
    return list(db.session.scalars(select(Evaluator).where(Evaluator.project_id == project.id).order_by(Evaluator.id)))


def my_evaluator(project: Project, user: Any) -> Evaluator | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Evaluator).where(Evaluator.project_id == project.id, Evaluator.user_id == user.id))


def submit(actor: User, project: Project, scores: dict[str, Any]) -> Evaluator:
    row = my_evaluator(project, actor)
    if row is None:
        raise InvalidTransition(_l("You are not an evaluator of this project."))
    if project.status is not ProjectStatus.evaluation:
        raise InvalidTransition(_l("The evaluation of this project is closed."))
    if row.submitted_at is not None:
        raise InvalidTransition(_l("You have already submitted your evaluation."))
    criteria = INSTRUMENTS[row.party]
    clean = clean_scores(criteria, scores)
    row.scores, row.submitted_at = clean, clock.now()
    row.total = scoring.review_total(criteria, {k: v["score"] for k, v in clean.items()})
    audit.append(actor, "evaluation.scored", project, {"party": row.party.value, "total": str(row.total)},
                 rows=[row])
    return row


# --- residents' survey -------------------------------------------------------------------------

def issue_codes(actor: User, project: Project, count: int) -> list[SurveyCode]:
    permissions.require(actor, "evaluation.issue_codes", project)
    if not 1 <= count <= 500:
        raise ValidationError(_l("Issue between 1 and 500 codes at a time."), field="count")
    rows = [SurveyCode(project_id=project.id, code="".join(secrets.choice(CODE_ALPHABET) for _ in range(10)))
            for _ in range(count)]
    db.session.add_all(rows)
    db.session.flush()
    audit.append(actor, "evaluation.codes_issued", project, {"count": count})
    return rows


def find_code(raw: str) -> SurveyCode | None:
    code = (raw or "").strip().upper().replace("-", "").replace(" ", "")
    if not code or len(code) > 16 or not (code.isascii() and code.isalnum()):
        return None
    return db.session.scalar(select(SurveyCode).where(SurveyCode.code == code))


def answer_survey(project: Project, raw_code: str, answers: dict[str, Any]) -> SurveyCode:
    """One answer per code, no account: the code is spent atomically (a second use finds it spent)."""
    code = find_code(raw_code)
    if code is None or code.project_id != project.id:
        raise ValidationError(_l("This survey code is not valid for this project."), field="code")
    if project.status is not ProjectStatus.evaluation:
        raise InvalidTransition(_l("The survey of this project is closed."))
    clean = {}
    for key in SURVEY_QUESTIONS:
        try:
            value = int(answers.get(key))
        except (TypeError, ValueError):
            raise ValidationError(_l("Choose an answer for every question."), field=key) from None
        if not 1 <= value <= 5:
            raise ValidationError(_l("Choose an answer for every question."), field=key)
        clean[key] = value
    spent = db.session.execute(update(SurveyCode).where(SurveyCode.id == code.id, SurveyCode.used_at.is_(None))
                               .values(used_at=clock.now(), answers=clean))
    if spent.rowcount != 1:
        raise InvalidTransition(_l("This survey code has already been used."))
    audit.append(None, "evaluation.survey_answered", project, {})  # no code, no identity
    return code


def residents_score(project: Project) -> tuple[Decimal | None, int]:
    answered = db.session.scalars(select(SurveyCode.answers).where(SurveyCode.project_id == project.id,
                                                                   SurveyCode.used_at.is_not(None))).all()
    values = [Decimal(v) for a in answered for v in a.values()]
    if not values:
        return None, 0
    return scoring.round2(sum(values, Decimal(0)) / len(values) / 5 * 100), len(answered)


# --- the result ----------------------------------------------------------------------------------

def party_scores(project: Project) -> dict[str, Decimal | None]:
    rows = [e for e in evaluators(project) if e.total is not None]
    result: dict[str, Decimal | None] = {}
    for party in (Party.party, Party.department, Party.experts):
        result[party.value] = scoring.mean(e.total for e in rows if e.party is party)
    result[Party.residents.value], _n = residents_score(project)
    return result


def finalize(actor: User, project: Project) -> Evaluation:
    permissions.require(actor, "evaluation.manage", project)
    if project.status is not ProjectStatus.evaluation:
        raise InvalidTransition(_l("The evaluation of this project is not open."))
    scores = party_scores(project)
    if all(v is None for v in scores.values()):
        raise InvalidTransition(_l("No party has scored yet."))
    result = _compute(project, scores)
    project.status = ProjectStatus.evaluated
    db.session.add(result)
    db.session.flush()
    audit.append(actor, "evaluation.final", project, {"total": str(result.total), "grade": result.grade.value,
                                                      "parts": result.parts}, rows=[result])
    _credit(project, result)
    return result


def _compute(project: Project, scores: dict[str, Decimal | None], existing: Evaluation | None = None) -> Evaluation:
    weights = rules.weights("eval_weights")
    missing = rules.get_rule("eval.missing_party")
    total, used = scoring.evaluation_total(scores, weights, missing)
    grade = scoring.grade_for(total, rules.get_rule("eval.band.excellent"), rules.get_rule("eval.band.good"),
                              rules.get_rule("eval.band.pass"))
    row = existing or Evaluation(project_id=project.id, corrections=[])
    row.parts = {p: {"score": str(scores[p]) if scores[p] is not None else None, "weight": weights[p],
                     "used_weight": str(used[p])} for p in weights}
    row.total, row.grade, row.missing_rule = total, EvaluationGrade(grade), missing
    return row


def _credit(project: Project, result: Evaluation) -> None:
    org_id = records.winner_org_id(project)
    ledger.record(org_id, ledger.EVALUATION, result.total,
                  str(_l("Evaluation of %(code)s: %(total)s (%(grade)s)", code=project.code, total=result.total,
                         grade=result.grade.label)), project)
    if result.grade is EvaluationGrade.excellent:
        ledger.record(org_id, "excellent", rules.get_rule("credit.excellent"),
                      str(_l("优秀 evaluation of %(code)s", code=project.code)), project)


def correct(actor: User, project: Project, party: Party, new_score: Any, reason: str) -> Evaluation:
    """After closing nothing changes the scores — except this audited correction with a reason."""
    permissions.require(actor, "evaluation.correct", project)
    result = db.session.scalar(select(Evaluation).where(Evaluation.project_id == project.id))
    if result is None:
        raise InvalidTransition(_l("This project has no final evaluation."))
    reason = free_text(reason)
    if not reason:
        raise ValidationError(_l("Give the reason for the correction; it is public."), field="reason")
    try:
        value = Decimal(str(new_score))
    except Exception:
        raise ValidationError(_l("Enter a number."), field="score") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise ValidationError(_l("Score between 0 and %(n)s.", n=100), field="score")
    scores = {p: (Decimal(v["score"]) if v["score"] is not None else None) for p, v in result.parts.items()}
    old_total, old_party = result.total, scores[party.value]
    scores[party.value] = value
    _compute(project, scores, result)
    result.corrections = [*result.corrections, {"at": clock.now().isoformat(), "party": party.value,
                                                "from": str(old_party), "to": str(value), "reason": reason,
                                                "total_from": str(old_total), "total_to": str(result.total)}]
    audit.append(actor, "evaluation.corrected", project, {"party": party.value, "from": str(old_party),
                                                          "to": str(value), "reason": reason,
                                                          "total": str(result.total)}, rows=[result])
    ledger.record(records.winner_org_id(project), ledger.EVALUATION, result.total,
                  str(_l("Evaluation of %(code)s corrected to %(total)s: %(r)s", code=project.code,
                         total=result.total, r=reason)), project)
    return result


def result_of(project: Project) -> Evaluation | None:
    return db.session.scalar(select(Evaluation).where(Evaluation.project_id == project.id))


@audit.row_document("evaluators")
def _evaluator_row(row: Evaluator) -> dict[str, Any]:
    return audit.columns_document(row)


@audit.row_document("evaluations")
def _evaluation_row(row: Evaluation) -> dict[str, Any]:
    return audit.columns_document(row)
