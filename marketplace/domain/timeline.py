"""The public timeline of a need or a project, read from the audit chain. It shows what happened
and when, with only the public details (reasons, codes, scores' means) — never who reviewed,
who asked, or a resident's identity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from marketplace.domain import audit

LABELS: dict[str, Any] = {
    "need.recorded": _l("Recorded by the community"),
    "need.reviewers_assigned": _l("Reviewers assigned by the street (评榜)"),
    "need.reviewed": _l("A review was submitted"),
    "need.approved": _l("Approved for publishing"),
    "need.rejected": _l("Not adopted"),
    "need.merged": _l("Merged into another need"),
    "need.absorbed": _l("A duplicate need was merged into this one"),
    "need.in_project": _l("Included in a project"),
    "need.released": _l("Released: its project was withdrawn"),
    "project.drafted": _l("Project drafted by the street"),
    "project.edited": _l("Draft edited"),
    "project.published": _l("Published (发榜): open for bids"),
    "project.withdrawn": _l("Withdrawn"),
    "project.question_asked": _l("A bidder asked a question"),
    "project.question_answered": _l("A question was answered"),
}

PUBLIC_DETAILS = ("reason", "into", "duplicate", "project", "mean", "threshold", "count", "needs")


@dataclass
class Event:
    at: datetime
    label: Any
    details: dict[str, Any]
    seq: int
    hash: str


def public_timeline(subject: Any) -> list[Event]:
    events = []
    for entry in audit.timeline(subject):
        label = LABELS.get(entry.action)
        if label is None:
            continue
        details = {k: entry.payload[k] for k in PUBLIC_DETAILS if entry.payload.get(k) not in (None, "", [])}
        events.append(Event(entry.created_at, label, details, entry.seq, entry.hash))
    return events
