"""Friendly error pages. The session is rolled back first: never render on a broken transaction."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.globals import request_ctx
from markupsafe import escape
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from marketplace.extensions import db

MESSAGES = {
    400: lambda: _("The request could not be understood. Please go back and try again."),
    403: lambda: _("You do not have permission to do this."),
    404: lambda: _("This page does not exist, or you cannot see it."),
    405: lambda: _("This address cannot be used this way."),
    409: lambda: _("This action is not possible now."),
    413: lambda: _("The upload is too large."),
    429: lambda: _("Too many attempts. Please wait a minute and try again."),
    503: lambda: _("The service is busy right now. Nothing was saved; please try again in a moment."),
    500: lambda: _("Something went wrong on our side. The error has been logged; please try again."),
}


def _plain(code: int, message: str) -> tuple[str, int, dict[str, str]]:
    """A page without the base template (which reads the database and builds addresses)."""
    page = (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{code}</title>'
            f'<p style="font:16px sans-serif;margin:2em">{escape(message)}</p></html>')
    return page, code, {"Content-Type": "text/html; charset=utf-8"}


def _page(code: int, message: str | None = None):
    db.session.rollback()
    if request_ctx.url_adapter is None:  # a Host werkzeug could not read: no address can be built
        return _plain(code, message or MESSAGES.get(code, MESSAGES[400])())
    return render_template("errors/error.html", code=code,
                           message=message or MESSAGES.get(code, MESSAGES[400])()), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _page(400, _("The form expired or was sent from elsewhere (CSRF check failed). "
                            "Please reload the page and send it again."))

    @app.errorhandler(OverflowError)
    def overflow(exc: OverflowError):
        # A number too large for the database or the calendar slipped past the forms (a query string,
        # a hand-made request): the request is wrong, not the server.
        app.logger.warning("Overflow on %s %s: %s", request.method, request.path, exc)
        return _page(400)

    @app.errorhandler(IntegrityError)
    def conflict(exc: IntegrityError):
        # Two requests raced for the same row (a double click, duplicate scores): one won.
        app.logger.warning("Conflict on %s %s: %s", request.method, request.path, exc.orig)
        return _page(409, _("Someone else changed this at the same moment. Nothing was saved; "
                            "please reload the page and try again."))

    @app.errorhandler(OperationalError)
    def busy(exc: OperationalError):
        # SQLite's "database is locked" after its busy timeout, or a lost database connection.
        app.logger.warning("Database unavailable on %s %s: %s", request.method, request.path, exc.orig)
        try:
            db.session.rollback()
        except Exception:  # the connection may be gone; the page below needs none
            pass
        # No template: the base page reads the database (the signed-in user, notifications).
        page, code, headers = _plain(503, MESSAGES[503]())
        return page, code, {**headers, "Retry-After": "5"}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        if code in (301, 302, 303, 307, 308):
            return exc
        return _page(code if code in MESSAGES else 400 if code < 500 else 500)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise exc
        return _page(500)
