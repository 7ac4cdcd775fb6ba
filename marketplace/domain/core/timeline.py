"""The public timeline of a need or a project, read from the audit chain. It shows what happened
and when, with only the public details (reasons, codes, scores' means) — never who reviewed,
who asked, or a resident's identity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from marketplace.domain.core import audit

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
    "project.bidding_closed": _l("Bidding closed; the bids opened to the panel"),
    "project.failed": _l("Failed tender (流标): no eligible bid"),
    "project.republished": _l("Published again"),
    "panel.formed": _l("Panel formed"),
    "project.awarded": _l("Awarded (承榜); public notice opened"),
    "award.objection_filed": _l("An objection was filed"),
    "award.objection_upheld": _l("Objection upheld"),
    "award.objection_rejected": _l("Objection rejected"),
    "project.award_reopened": _l("Award reopened"),
    "project.award_final": _l("Award final; contract signed"),
    "project.award_withdrawn": _l("The awarded organization withdrew"),
    "delivery.plan_approved": _l("Delivery plan approved"),
    "delivery.progress": _l("Progress reported"),
    "delivery.milestone_confirmed": _l("Milestone confirmed by the community"),
    "delivery.milestone_disputed": _l("Milestone disputed by the community"),
    "delivery.complaint_filed": _l("A resident filed a complaint"),
    "delivery.complaint_upheld": _l("Complaint upheld"),
    "delivery.complaint_dismissed": _l("Complaint dismissed"),
    "delivery.intervention_opened": _l("Intervention (干预指导) opened"),
    "delivery.rectification_filed": _l("Rectification plan filed"),
    "delivery.rectification_accepted": _l("Rectification accepted"),
    "delivery.exited": _l("Organization exited (淘汰退出)"),
    "delivery.closing_submitted": _l("Closing report submitted"),
    "delivery.closed": _l("Closing signed off by the community; evaluation opened"),
    "evaluation.final": _l("Evaluation (考榜) final"),
    "evaluation.corrected": _l("Evaluation corrected"),
}

PUBLIC_DETAILS = ("reason", "into", "duplicate", "project", "mean", "threshold", "count", "needs", "winner",
                  "cause", "total", "grade")


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
        recorded = audit.details(entry)
        details = {k: recorded[k] for k in PUBLIC_DETAILS if recorded.get(k) not in (None, "", [])}
        events.append(Event(entry.created_at, label, details, entry.seq, entry.hash))
    return events
