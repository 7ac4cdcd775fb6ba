"""信用: the organization credit ledger. Every change is an event with points, a reason and its
source; the score is computed from the ledger, never stored.

score(as of a day) = mean of the totals of the projects evaluated in the window (24 months)
                     + the points of the other events in the window (exit −20, upheld objection or
                       complaint −5, withdrawal after award −10, 优秀 +2 …)
An organization without an evaluated project in the window has no score yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.domain.core import audit, clock, rules, scoring
from marketplace.extensions import db
from marketplace.models import CreditEvent

EVALUATION = "evaluation"


def record(org_id: int, kind: str, points: Any, reason: str, project: Any = None,
           on: date | None = None) -> CreditEvent:
    event = CreditEvent(organization_id=org_id, kind=kind, points=Decimal(str(points)), reason=reason,
                        project_id=getattr(project, "id", None), occurred_on=on or clock.today())
    db.session.add(event)
    db.session.flush()
    audit.append("system", f"credit.{kind}", ("organizations", org_id),
                 {"points": str(event.points), "reason": reason, "project": getattr(project, "code", None)},
                 rows=[event])
    return event


def window_start(on: date) -> date:
    months = rules.get_rule("credit.window_months")
    year, month = divmod(on.year * 12 + on.month - 1 - months, 12)
    return date(year, month + 1, min(on.day, 28))


@dataclass
class Score:
    value: Decimal | None
    evaluation_mean: Decimal | None
    event_points: Decimal
    evaluations: int


def compute(events: list[CreditEvent], on: date) -> Score:
    """Pure: the score from a list of ledger events as of a day."""
    start = window_start(on)
    inside = sorted((e for e in events if start < e.occurred_on <= on), key=lambda e: (e.occurred_on, e.id or 0))
    latest: dict[Any, Decimal] = {}
    for e in inside:  # a corrected evaluation is a later evaluation event of the same project
        if e.kind == EVALUATION:
            latest[e.project_id or f"event-{e.id}"] = e.points
    totals = list(latest.values())
    points = sum((e.points for e in inside if e.kind != EVALUATION), Decimal(0))
    mean = scoring.mean(totals)
    return Score(scoring.round2(mean + points) if mean is not None else None, mean, points, len(totals))


def score(org_id: int, on: date | None = None) -> Score:
    events = list(db.session.scalars(select(CreditEvent).where(CreditEvent.organization_id == org_id)))
    return compute(events, on or clock.today())


def ledger(org_id: int) -> list[CreditEvent]:
    from sqlalchemy.orm import selectinload

    return list(db.session.scalars(select(CreditEvent).where(CreditEvent.organization_id == org_id)
                                   .options(selectinload(CreditEvent.project))
                                   .order_by(CreditEvent.occurred_on.desc(), CreditEvent.id.desc())))


def _months_later(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, 28))


def history(org_id: int, on: date | None = None) -> list[tuple[date, Decimal]]:
    """The score over time, for a chart: the score as of each day it can change — an event's day, the
    day an event leaves the window — and today, from one query of the ledger. Days without a score (no
    evaluated project in the window) are left out."""
    on = on or clock.today()
    events = list(db.session.scalars(select(CreditEvent).where(CreditEvent.organization_id == org_id,
                                                                 CreditEvent.occurred_on <= on)))
    months = rules.get_rule("credit.window_months")
    days = {e.occurred_on for e in events}
    days |= {d for d in (_months_later(e.occurred_on, months) for e in events) if d <= on}
    days.add(on)
    points = []
    for day in sorted(days):
        value = compute(events, day).value
        if value is not None:
            points.append((day, value))
    return points


EVENT_LABELS = {
    "evaluation": _l("Evaluation total"), "excellent": _l("优秀 bonus"), "exit": _l("Exit (淘汰退出)"),
    "complaint": _l("Upheld complaint"), "objection": _l("Upheld objection"),
    "withdrawal": _l("Withdrawal after award"), "appeal": _l("Appeal outcome"), "repair": _l("Credit repair"),
}


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))


@audit.row_document("credit_events")
def _event_row(event: CreditEvent) -> dict[str, Any]:
    return audit.columns_document(event)
