"""Notifications: stored for the in-app list and, when the user has an address, mailed through
Flask-Mailman (MAIL_BACKEND: console by default, smtp in production) by a job that runs only after
the action's transaction commits (`jobs.enqueue`): never inside it, never for a refused action.
The in-app text is rendered from kind + params in the reader's language at display time; the mail
in the district's language when it is queued."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMessage
from sqlalchemy import func, select, update

from marketplace.domain.core import clock, jobs
from marketplace.extensions import db
from marketplace.models import NeedStatus, Notification, OrderStatus, User


def render(kind: str, params: dict[str, Any]) -> str:
    """The notification's sentence in the current locale."""
    if kind == "review.assigned":
        return _("You are asked to review need %(code)s “%(title)s”.", **params)
    if kind == "need.decided":
        status = NeedStatus(params["status"]).label
        return _("Need %(code)s “%(title)s”: %(status)s.", code=params["code"], title=params["title"],
                 status=status)
    if kind == "question.answered":
        return _("Your question on project %(code)s has been answered.", **params)
    if kind == "project.published":
        return _("A new project in your field is open for bids: %(code)s “%(title)s”.", **params)
    if kind == "bid.result":
        if params.get("won"):
            return _("Your bid for project %(code)s is awarded (承榜); the public notice is open.", code=params["code"])
        return _("Project %(code)s is awarded to another bid; see the scores and reasons.", code=params["code"])
    if kind == "partner.invited":
        return _("You are invited as a partner in a joint bid for project %(code)s.", **params)
    if kind == "delivery.intervention":
        return _("An intervention (干预指导) is open on project %(code)s: file a rectification plan.", **params)
    if kind == "evaluation.assigned":
        return _("You are asked to evaluate project %(code)s (考榜).", **params)
    if kind == "reminder.bid_deadline":
        return _("Reminder: your intent letter for %(code)s “%(title)s” is still a draft; bidding closes on %(date)s.",
                 **params)
    if kind == "reminder.scoring":
        return _("Reminder: score every bid of project %(code)s by %(date)s.", **params)
    if kind == "reminder.evaluation":
        return _("Reminder: evaluate project %(code)s (考榜) by %(date)s.", **params)
    if kind == "reminder.milestone":
        return _("Reminder: milestone “%(output)s” of project %(code)s is due on %(date)s.", **params)
    if kind == "reminder.appeal":
        return _("Reminder: your organization is on the black list of %(code)s; the appeal window closes on "
                 "%(date)s.", **params)
    if kind == "project.matched":
        return _("A new project fits your service “%(service)s”: %(code)s “%(title)s” is open for bids.", **params)
    if kind == "meeting.invited":
        return _("Your community is invited to the ordering meeting (点单会) %(code)s “%(title)s” on %(date)s.",
                 **params)
    if kind == "meeting.presenting":
        return _("“%(item)s” is presented at ordering meeting %(code)s: your roadshow (路演宣讲) is at %(date)s.",
                 **params)
    if kind == "order.placed":
        return _("%(community)s ordered “%(item)s” (order %(code)s): accept or decline it.", **params)
    if kind == "order.decided":
        status = OrderStatus(params["status"]).label
        return _("Order %(code)s: %(status)s.", code=params["code"], status=status)
    if kind == "order.draft_project":
        return _("Order %(order)s is above the direct-commission limit: draft project %(code)s awaits publishing.",
                 **params)
    if kind == "order.invited":
        return _("Your accepted order %(order)s became draft project %(code)s; you are invited to bid when the "
                 "street publishes it.", **params)
    if kind == "order.project_published":
        return _("Project %(code)s “%(title)s”, drafted from your order, is open for bids: you are invited.", **params)
    if kind in ("follow.project", "follow.need"):
        from marketplace.domain.core.follow import status_label

        text = (_("Project %(code)s “%(title)s” you follow is now: %(status)s.") if kind == "follow.project"
                else _("Need %(code)s “%(title)s” you follow is now: %(status)s."))
        return text % {"code": params["code"], "title": params["title"],
                       "status": status_label(kind, params["status"])}
    if kind == "wish.handled":
        return _("A micro-wish was handled.")
    return kind


def notify(users: Iterable[User], kind: str, params: dict[str, Any], link: str) -> int:
    """Notify each user once; returns how many were notified."""
    recipients = {u.id: u for u in users if u is not None and u.active}.values()
    now = clock.now()
    rows = [Notification(user_id=u.id, kind=kind, params=params, link=link, created_at=now)
            for u in recipients]
    db.session.add_all(rows)
    mailed = [u for u in recipients if u.email]
    if mailed:
        _mail(mailed, kind, params, link)
    return len(rows)


def _mail(users: list[User], kind: str, params: dict[str, Any], link: str) -> None:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = render(kind, params)
        subject = _("揭榜挂帅 notification")
    base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    for user in users:
        jobs.enqueue(send_mail, to=user.email, subject=subject, body=f"{body}\n\n{base}{link}")


def send_mail(to: str, subject: str, body: str) -> None:
    """The job: one message through Flask-Mailman (a failure is retried by RQ, logged embedded)."""
    EmailMessage(subject, body, to=[to]).send()


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def recent(user: User, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id.desc()).limit(limit)))


def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                  Notification.read_at.is_(None))
                       .values(read_at=clock.now()))
