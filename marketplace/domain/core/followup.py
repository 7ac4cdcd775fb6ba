"""Residents follow what they asked for: a micro-wish or a complaint gets a tracking number at once
(shown, and mailed when the resident left an e-mail address), and /track shows its progress to
whoever has the number — the community, the dates, the status and the public reasons, never the
text the resident wrote nor how to reach them."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.domain.core import jobs, notify
from marketplace.extensions import db
from marketplace.models import Complaint, ComplaintStatus, Need, Project, ProjectStatus, Wish, WishStatus

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed on a phone
PREFIX = {"wish": "W", "complaint": "T"}  # 微心愿, 投诉
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def new_code(kind: str) -> str:
    return PREFIX[kind] + "".join(secrets.choice(ALPHABET) for _ in range(9))


def normalize(raw: str | None) -> str:
    return re.sub(r"[\s\-]", "", (raw or "")).upper()[:12]


def display(code: str) -> str:
    """W7K3M9QXP2 → W-7K3-M9Q-XP2, easier to read out and copy."""
    return f"{code[0]}-{code[1:4]}-{code[4:7]}-{code[7:]}" if code and len(code) == 10 else code


def assign(item: Wish | Complaint) -> str:
    """Give a new wish or complaint its number, and mail it when the resident left an address."""
    if item.tracking_code:
        return item.tracking_code
    kind = "wish" if isinstance(item, Wish) else "complaint"
    item.tracking_code = new_code(kind)
    contact = getattr(item, "contact", None)
    if contact and EMAIL.match(contact):
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            subject = _("揭榜挂帅: your tracking number %(code)s", code=display(item.tracking_code))
            body = _("Thank you. Follow the progress of your micro-wish with its number %(code)s at %(url)s",
                     code=display(item.tracking_code), url=_track_url(item.tracking_code))
        jobs.enqueue(notify.send_mail, to=contact, subject=subject, body=body)
    return item.tracking_code


def _track_url(code: str) -> str:
    base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    return base + url_for("public.track", code=code)


@dataclass(frozen=True)
class Tracked:
    kind: str  # wish | complaint
    code: str
    submitted_at: datetime
    status: Any  # WishStatus | ComplaintStatus (labelled)
    handled_at: datetime | None
    reason: str | None  # the public reason of a decline or a decision
    community: Any = None
    need: Need | None = None
    project: Project | None = None

    @property
    def shown_code(self) -> str:
        return display(self.code)

    @property
    def waiting(self) -> bool:
        """Nobody has decided on it yet."""
        return self.status in (WishStatus.new, ComplaintStatus.pending)


def lookup(raw: str | None) -> Tracked | None:
    code = normalize(raw)
    if len(code) != 10:
        return None
    if code.startswith(PREFIX["wish"]):
        wish = db.session.scalar(select(Wish).where(Wish.tracking_code == code))
        if wish is None:
            return None
        need = db.session.get(Need, wish.need_id) if wish.need_id else None
        project = need.project if need is not None else None
        if project is not None and project.status is ProjectStatus.draft:
            project = None  # a draft is not public yet
        return Tracked("wish", code, wish.created_at, wish.status, wish.handled_at, wish.decline_reason,
                       community=wish.community, need=need, project=project)
    complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_code == code))
    if complaint is None:
        return None
    return Tracked("complaint", code, complaint.created_at, complaint.status, complaint.decided_at,
                   complaint.decision_reason, project=complaint.project)
