"""Anyone may follow a need or a project: a signed-in person at once (told in-app, and by mail when
their account has an address), anybody else by e-mail, counted once they confirm the link mailed to
them. Followers are told when the need or project changes stage — whatever part of the domain
changes its status: a listener notes the change on the session and, just before the transaction
commits, the followers are notified (mail through `jobs`, so only once the change has committed).
Every mail carries a link to stop following."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, event, or_, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import ObjectDeletedError
from sqlalchemy.orm.base import NO_VALUE, NEVER_SET

from marketplace.domain.core import clock, jobs, notify
from marketplace.domain.core.errors import DomainError
from marketplace.domain.core.followup import EMAIL
from marketplace.extensions import db
from marketplace.models import Follow, Need, NeedStatus, Project, ProjectStatus, User

_CHANGED = "follow.changed"
Subject = Project | Need


def _where(subject: Subject) -> Any:
    return Follow.project_id == subject.id if isinstance(subject, Project) else Follow.need_id == subject.id


def _new(subject: Subject, **fields: Any) -> Follow:
    row = Follow(token=secrets.token_urlsafe(32), **fields)
    if isinstance(subject, Project):
        row.project_id = subject.id
    else:
        row.need_id = subject.id
    db.session.add(row)
    return row


def is_following(user: Any, subject: Subject) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(select(Follow.id).where(_where(subject), Follow.user_id == user.id)) is not None


def follow(user: User, subject: Subject) -> None:
    """A signed-in person follows (again: nothing changes)."""
    if not is_following(user, subject):
        _new(subject, user_id=user.id, confirmed_at=clock.now())


def unfollow(user: User, subject: Subject) -> None:
    db.session.execute(delete(Follow).where(_where(subject), Follow.user_id == user.id))


def follow_by_email(address: str, subject: Subject) -> None:
    """Mail a confirmation link to the address (again if asked again before confirming); an address
    already following is not told twice."""
    address = (address or "").strip().lower()
    if len(address) > 254 or not EMAIL.match(address):
        raise DomainError(_("Give a valid e-mail address."), field="email")
    row = db.session.scalar(select(Follow).where(_where(subject), Follow.email == address))
    if row is not None and row.confirmed_at is not None:
        return
    row = row or _new(subject, email=address)
    db.session.flush()
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject_line = _("揭榜挂帅: confirm that you follow %(code)s", code=subject.code)
        body = _("Someone (we hope you) asked to be told by e-mail when %(code)s “%(title)s” changes stage. "
                 "Confirm at %(url)s — or ignore this message and nothing will be sent.",
                 code=subject.code, title=subject.title, url=_url(f"/follow/confirm/{row.token}"))
    jobs.enqueue(notify.send_mail, to=address, subject=subject_line, body=body)


def by_token(token: str) -> Follow | None:
    return db.session.scalar(select(Follow).where(Follow.token == (token or "")[:64]))


def confirm(row: Follow) -> None:
    if row.confirmed_at is None:
        row.confirmed_at = clock.now()


def stop(row: Follow) -> None:
    db.session.delete(row)


def subject_of(row: Follow) -> Subject:
    return db.session.get(Project, row.project_id) if row.project_id else db.session.get(Need, row.need_id)


def _url(path: str) -> str:
    """(A path, not url_for: stage changes also happen in `flask deadlines tick`, outside a request.)"""
    return current_app.config.get("PUBLIC_URL", "").rstrip("/") + path


# --- being told when the stage changes -------------------------------------------------------

def _noted(target: Subject, value: Any, oldvalue: Any, _initiator: Any) -> None:
    session = Session.object_session(target)
    if session is None or target.id is None or oldvalue in (NO_VALUE, NEVER_SET) or value == oldvalue:
        return
    session.info.setdefault(_CHANGED, {}).setdefault((type(target).__name__, target.id), (target, oldvalue))


def _tell_followers(session: Session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if not changed:
        return
    moved = []
    for target, old in changed.values():
        try:
            if target.status != old:
                moved.append((target, old))
        except (ObjectDeletedError, InvalidRequestError):  # gone within the transaction
            continue
    if not moved:
        return
    projects = {t.id: t for t, _old in moved if isinstance(t, Project)}
    needs = {t.id: t for t, _old in moved if isinstance(t, Need)}
    rows = list(session.scalars(select(Follow).where(
        Follow.confirmed_at.is_not(None),
        or_(Follow.project_id.in_(projects or [0]), Follow.need_id.in_(needs or [0])))))
    if not rows:
        return
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_([r.user_id for r in rows if r.user_id])))}
    for row in rows:
        subject = projects.get(row.project_id) if row.project_id else needs.get(row.need_id)
        kind = "follow.project" if isinstance(subject, Project) else "follow.need"
        params = {"code": subject.code, "title": subject.title, "status": subject.status.value}
        link = f"/projects/{subject.code}" if kind == "follow.project" else f"/needs/{subject.code}"
        if row.user_id:
            notify.notify([users[row.user_id]], kind, params, link)
        else:
            with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
                base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
                body = (f"{notify.render(kind, params)}\n\n{base}{link}\n\n"
                        + _("Stop following: %(url)s", url=_url(f"/follow/stop/{row.token}")))
                subject_line = _("揭榜挂帅: %(code)s has changed stage", code=subject.code)
            jobs.enqueue(notify.send_mail, to=row.email, subject=subject_line, body=body)


def _forget(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def status_label(kind: str, value: str) -> str:
    return str((ProjectStatus if kind == "follow.project" else NeedStatus)(value).label)


def init() -> None:
    for attribute in (Project.status, Need.status):
        if not event.contains(attribute, "set", _noted):
            event.listen(attribute, "set", _noted, active_history=True)
    if not event.contains(Session, "before_commit", _tell_followers):
        event.listen(Session, "before_commit", _tell_followers)
        event.listen(Session, "after_rollback", _forget)
