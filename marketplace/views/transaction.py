"""One transaction per request, decided here and nowhere else.

Views load, check permissions, validate and call the domain; they never commit and never catch
`DomainError`. After the view:

* a request that may write (not GET/HEAD/OPTIONS) and answered below 400 is committed once;
  anything else is rolled back — so a GET can never persist a change, and a refused or failed
  request leaves no trace (a GET that even tries to flush a change is a programming error:
  `ReadingRequestWrote` in development and tests, a logged error in production);
* a `DomainError` (a rule refused the action) rolls back and, on a form page decorated with
  `shows_refusals`, the page is drawn again with the message on the form and what the user
  typed kept; elsewhere the message is flashed and the user goes back to the page they came from.

A commit that fails on a conflict (a race another request won) becomes a clear 409, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, has_request_context, redirect, render_template, request, session
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from marketplace.domain.core.errors import DomainError
from marketplace.extensions import db
from marketplace.views.helpers import SAFE_METHODS


def shows_refusals(view: Callable[..., Any]) -> Callable[..., Any]:
    """On a form page: a refusal by the domain draws the page again with the message on the form.

    The view runs a second time with `g.refusal` set; `BaseForm.validate_on_submit` then answers
    False and carries the message (next to its field when the error names one)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except DomainError as exc:
            if g.get("refusal") is not None:
                raise
            db.session.rollback()
            g.refusal = exc
            return view(*args, **kwargs)

    return wrapper


def _same_site(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.netloc and parts.netloc != request.host:
        return None
    path = parts.path or "/"
    return path + (f"?{parts.query}" if parts.query else "")


def refused(exc: DomainError):
    """A rule said no: nothing is kept; the user is told why, where they were."""
    db.session.rollback()
    back = _same_site(request.referrer) if request.method not in SAFE_METHODS else None
    if back:
        flash(exc.message, "error")
        return redirect(back)
    return render_template("errors/error.html", code=exc.status_code, message=exc.message), exc.status_code


def finish(response):
    """Commit once what a successful writing request did; roll back everything else."""
    if request.method in SAFE_METHODS or response.status_code >= 400:
        if not response.is_streamed:  # a streamed body still reads what it loaded; teardown closes the session
            db.session.rollback()
        return response
    try:
        db.session.commit()
    except (IntegrityError, OperationalError):
        db.session.rollback()
        current_app.logger.warning("Commit refused on %s %s", request.method, request.path, exc_info=True)
        session.pop("_flashes", None)
        return render_template("errors/error.html", code=409, message=_(
            "Someone else changed this at the same moment. Nothing was saved; please reload and try again.")), 409
    return response


class ReadingRequestWrote(RuntimeError):
    """A GET (or HEAD) tried to write: a programming error, refused loudly in development and tests."""


def _guard_reads(session: Session, _context: Any, _instances: Any) -> None:
    if not has_request_context() or request.method not in SAFE_METHODS:
        return
    changed = list(session.new) + list(session.deleted) + [o for o in session.dirty if session.is_modified(o)]
    if not changed:
        return
    if current_app.testing or current_app.debug:
        raise ReadingRequestWrote(f"{request.method} {request.path} tried to write {changed[:3]!r}")
    current_app.logger.error("%s %s tried to write %r (rolled back)", request.method, request.path, changed[:3])


def init_app(app: Flask) -> None:
    app.after_request(finish)
    app.register_error_handler(DomainError, refused)
    if not event.contains(Session, "before_flush", _guard_reads):
        event.listen(Session, "before_flush", _guard_reads)
