"""红黑榜: computing a period's red and black lists (set-based, in SQL), publishing them with a
notice and an appeal window, appeals and credit repair, and the consequences the system enforces:
the bidding ban, the award bonus, exemplary-organization proposals and the rating review flag."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, delete, func, insert, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from marketplace.domain.core import audit, clock, permissions, rules
from marketplace.domain.credit import ledger
from marketplace.domain.core.errors import InvalidTransition, ValidationError, free_text
from marketplace.domain.orgs import standing
from marketplace.extensions import db
from marketplace.models import (
    Appeal,
    AppealStatus,
    CreditEvent,
    ExemplaryProposal,
    Grade,
    ListEntry,
    ListKind,
    ListPeriod,
    ListStatus,
)

_CODE = re.compile(r"^(\d{4})Q([1-4])$")
REASONS = {
    "failed_evaluation": _l("An evaluation graded 不合格 in the period"),
    "exit": _l("Exited from a project (淘汰退出) in the period"),
    "low_credit": _l("Credit below the black-list threshold"),
    "high_credit": _l("Credit at or above the red-list threshold, no negative event in the period"),
}


def reason_text(entry: ListEntry) -> str:
    return str(REASONS.get(entry.reason, entry.reason))


def add_months(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def parse_period(code: str) -> tuple[str, date, date]:
    """'2026Q4' → ('2026Q4', 2026-10-01, 2026-12-31). A period must be a quarter that has begun."""
    code = (code or "").strip().upper()
    match = _CODE.match(code)
    if not match:
        raise ValidationError(_l("Give the period as a year and a quarter, for example 2026Q4."), field="period")
    year, quarter = int(match.group(1)), int(match.group(2))
    starts = date(year, 3 * quarter - 2, 1)
    ends = add_months(starts, 3) - timedelta(days=1)
    if starts > clock.today():
        raise ValidationError(_l("The period %(code)s has not begun yet.", code=code), field="period")
    if year < 2000:
        raise ValidationError(_l("Give the period as a year and a quarter, for example 2026Q4."), field="period")
    return code, starts, ends


def _rows(starts: date, as_of: date):
    """One SELECT: per organization with credit events, its credit as of the day and the list it
    belongs to (red, black or none), with the reason code. The window's events are read in one pass
    each — the latest evaluation per project (a window function, no self-join) and every other
    event, side by side (UNION ALL) — then grouped once per organization."""
    ws = ledger.window_start(as_of)
    pass_band = rules.get_rule("eval.band.pass")
    red_min, black_below = rules.get_rule("lists.red_min_credit"), rules.get_rule("lists.black_below_credit")
    ce = CreditEvent
    in_window = and_(ce.occurred_on > ws, ce.occurred_on <= as_of)
    # the latest evaluation of each (organization, project), numbered newest first within the window, as
    # ledger.compute takes it (an evaluation without a project stands alone)
    numbered = (select(ce.organization_id, ce.points, ce.occurred_on,
                       func.row_number().over(partition_by=(ce.organization_id, func.coalesce(ce.project_id, -ce.id)),
                                              order_by=(ce.occurred_on.desc(), ce.id.desc())).label("n"))
                .where(ce.kind == ledger.EVALUATION, in_window).subquery())
    since_start = numbered.c.occurred_on >= starts
    evaluations = select(numbered.c.organization_id.label("org"), numbered.c.points.label("points"),
                         literal(1).label("evaluation"),
                         case((and_(numbered.c.points < pass_band, since_start), 1), else_=0).label("failed"),
                         literal(0).label("negative"), literal(0).label("exits")).where(numbered.c.n == 1)
    others = select(ce.organization_id, ce.points, literal(0), literal(0),
                    case((and_(ce.points < 0, ce.occurred_on >= starts), 1), else_=0),
                    case((and_(ce.kind == "exit", ce.occurred_on >= starts), 1), else_=0)
                    ).where(ce.kind != ledger.EVALUATION, in_window)
    events = union_all(evaluations, others).subquery()
    per_org = (select(events.c.org,
                      func.sum(events.c.evaluation).label("n"),
                      func.avg(case((events.c.evaluation == 1, events.c.points), else_=None)).label("mean"),
                      func.sum(case((events.c.evaluation == 0, events.c.points), else_=0)).label("points"),
                      func.sum(events.c.failed).label("failed"), func.sum(events.c.negative).label("negative"),
                      func.sum(events.c.exits).label("exits"))
               .group_by(events.c.org).subquery())
    score = per_org.c.mean + per_org.c.points
    failed, exits, negative = per_org.c.failed, per_org.c.exits, per_org.c.negative
    has_eval = per_org.c.n > 0
    black = or_(failed > 0, exits > 0, and_(has_eval, score < black_below))
    red = and_(has_eval, score >= red_min, negative == 0, failed == 0)
    kind = case((black, "black"), (red, "red"), else_=None)
    reason = case((failed > 0, "failed_evaluation"), (exits > 0, "exit"), (and_(has_eval, score < black_below), "low_credit"),
                  else_="high_credit")
    return (select(per_org.c.org, kind.label("kind"), reason.label("reason"),
                   case((has_eval, func.round(score, 2)), else_=None).label("credit"))
            .subquery())


def compute(actor: Any, code: str) -> ListPeriod:
    """(Re)compute a period's draft. Deterministic and idempotent; a published list is never changed."""
    if actor != "cli":
        permissions.require(actor, "lists.manage")
    code, starts, ends = parse_period(code)
    period = db.session.scalar(select(ListPeriod).where(ListPeriod.code == code))
    if period is not None and period.status is ListStatus.published:
        raise InvalidTransition(_l("The list of %(code)s is published; it changes only through appeals and repairs.",
                                   code=code))
    as_of = min(ends, clock.today())
    now = clock.now()
    if period is None:
        period = ListPeriod(code=code, starts_on=starts, ends_on=ends, computed_at=now)
        db.session.add(period)
        db.session.flush()
    else:
        db.session.execute(delete(ListEntry).where(ListEntry.period_id == period.id))
        period.computed_at = now
    rows = _rows(starts, as_of)
    ban = add_months(as_of, rules.get_rule("lists.ban_months"))
    db.session.execute(insert(ListEntry).from_select(
        ["period_id", "organization_id", "kind", "reason", "credit", "ban_until", "created_at"],
        select(literal(period.id), rows.c.org, rows.c.kind, rows.c.reason, rows.c.credit,
               case((rows.c.kind == "black", literal(ban)), else_=None), literal(now))
        .where(rows.c.kind.is_not(None))))
    db.session.flush()
    counts = dict(db.session.execute(select(ListEntry.kind, func.count()).where(ListEntry.period_id == period.id)
                                     .group_by(ListEntry.kind)).all())
    audit.append(actor, "lists.computed", period, {"period": code, "red": counts.get(ListKind.red, 0),
                                                  "black": counts.get(ListKind.black, 0)})
    return period


def publish(actor: Any, period: ListPeriod) -> None:
    permissions.require(actor, "lists.manage")
    if period.status is ListStatus.published:
        raise InvalidTransition(_l("The list of %(code)s is already published.", code=period.code))
    period.status, period.published_at = ListStatus.published, clock.now()
    period.appeal_until = clock.add_working_days(clock.today(), rules.get_rule("lists.appeal_working_days"))
    entries = db.session.scalars(select(ListEntry).where(ListEntry.period_id == period.id)).all()
    for entry in entries:
        if entry.kind is ListKind.black:  # a black listing flags the organization for rating review
            entry.organization.grade_review_reason = str(_l("Black-listed in %(code)s", code=period.code))
    _propose_exemplary(period, entries)
    audit.append(actor, "lists.published", period, {"period": period.code, "entries": len(entries),
                                                   "appeal_until": period.appeal_until.isoformat()})


def _propose_exemplary(period: ListPeriod, entries: list[ListEntry]) -> None:
    needed = rules.get_rule("lists.exemplary_periods")
    earlier = db.session.scalars(select(ListPeriod).where(ListPeriod.status == ListStatus.published,
                                                          ListPeriod.ends_on < period.starts_on)
                                 .order_by(ListPeriod.ends_on.desc()).limit(needed - 1)).all()
    if len(earlier) < needed - 1:
        return
    for entry in (e for e in entries if e.kind is ListKind.red):
        grade = standing.effective_grade(entry.organization)
        if grade is None or grade.rank < Grade.a4.rank:
            continue
        red_before = db.session.scalar(select(func.count(ListEntry.id)).where(
            ListEntry.organization_id == entry.organization_id, ListEntry.kind == ListKind.red,
            ListEntry.removed_at.is_(None), ListEntry.period_id.in_([p.id for p in earlier])))
        if red_before == len(earlier):
            db.session.add(ExemplaryProposal(period_id=period.id, organization_id=entry.organization_id))


def confirm_exemplary(actor: Any, proposal: ExemplaryProposal) -> None:
    permissions.require(actor, "lists.manage")
    proposal.confirmed_at = clock.now()
    audit.append(actor, "lists.exemplary_confirmed", ("organizations", proposal.organization_id), {})


# --- appeals and repair ----------------------------------------------------------------------------

def appeal(actor: Any, entry: ListEntry, text: str, evidence: str = "", repair: bool = False) -> Appeal:
    if entry.removed_at is not None:
        raise InvalidTransition(_l("This entry has already been removed."))
    if not repair and (entry.period.appeal_until is None or clock.today() > entry.period.appeal_until):
        raise InvalidTransition(_l("The appeal window closed on %(d)s; after correcting the fault you may ask for "
                                   "credit repair.", d=entry.period.appeal_until))
    if any(a.status is AppealStatus.pending for a in entry.appeals):
        raise InvalidTransition(_l("An appeal on this entry is already being examined."))
    if not repair and any(not a.repair for a in entry.appeals):
        raise InvalidTransition(_l("This entry has already been appealed."))
    permissions.require(actor, "list_entry.repair" if repair else "list_entry.appeal", entry)
    text = (text or "").strip()
    if len(text) < 10:
        raise ValidationError(_l("Explain the appeal (at least 10 characters)."), field="text")
    item = Appeal(text=text[:5000], evidence=(evidence or "").strip()[:2000] or None, repair=repair)
    entry.appeals.append(item)
    db.session.flush()
    audit.append(actor, "lists.repair_requested" if repair else "lists.appealed", entry.period,
                 {"entry": entry.id})
    return item


def decide_appeal(actor: Any, item: Appeal, uphold: bool, reason: str) -> None:
    permissions.require(actor, "lists.manage")
    if item.status is not AppealStatus.pending:
        raise InvalidTransition(_l("This appeal is already decided."))
    reason = free_text(reason)
    if not reason:
        raise ValidationError(_l("Give the reason; it is public."), field="reason")
    item.status = AppealStatus.upheld if uphold else AppealStatus.rejected
    item.decision_reason, item.decided_at = reason, clock.now()
    entry = item.entry
    if uphold:
        entry.removed_at, entry.removed_reason = clock.now(), reason
        if entry.kind is ListKind.black:
            entry.organization.grade_review_reason = None
    ledger.record(entry.organization_id, "repair" if item.repair else "appeal", 0,
                  str(_l("%(what)s on the %(list)s of %(code)s %(result)s: %(r)s",
                         what=_l("Credit repair") if item.repair else _l("Appeal"), list=entry.kind.label,
                         code=entry.period.code, result=_l("upheld") if uphold else _l("rejected"), r=reason)))
    audit.append(actor, "lists.appeal_upheld" if uphold else "lists.appeal_rejected", entry.period,
                 {"entry": entry.id, "reason": reason})


# --- consequences ----------------------------------------------------------------------------------




def published_periods() -> list[ListPeriod]:
    return list(db.session.scalars(select(ListPeriod).where(ListPeriod.status == ListStatus.published)
                                   .order_by(ListPeriod.ends_on.desc())))


@audit.row_document("list_periods")
def _period_row(period: ListPeriod) -> dict[str, Any]:
    """A period with all its entries (computed set-based, so chained as one group)."""
    columns = ListEntry.__table__.columns
    entries = db.session.execute(select(*columns).where(ListEntry.period_id == period.id)
                                 .order_by(ListEntry.id)).all()
    return {**audit.columns_document(period),
            "entries": [{c.key: audit.plain(getattr(e, c.key), c) for c in columns} for e in entries]}
