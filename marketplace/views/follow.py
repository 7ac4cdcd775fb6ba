"""Following a need or a project: signed-in people at once, others by e-mail with a confirmation
link; the links mailed (confirm, stop) open a page whose button does the change (a GET never writes)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.domain import queries
from marketplace.domain.core import follow
from marketplace.domain.core.errors import DomainError
from marketplace.extensions import limiter
from marketplace.forms import BaseForm
from marketplace.forms.follow import FollowByEmailForm
from marketplace.views.helpers import get_or_404, project_for

bp = Blueprint("follow", __name__)


def _limit() -> str:
    return current_app.config.get("WISH_RATE_LIMIT", "10 per hour")


def _subject(kind: str, code: str):
    if kind == "project":
        return project_for(code)  # within what the reader may see (404 otherwise)
    return get_or_404(queries.need_by_code(code))


def _page(kind: str, code: str) -> str:
    return url_for("projects.detail" if kind == "project" else "needs.detail", code=code) + "#follow"


@bp.post("/follow/<any(project, need):kind>/<code>")
@limiter.limit(_limit)
def subject(kind: str, code: str):
    item = _subject(kind, code)
    if current_user.is_authenticated:
        if not BaseForm().validate_on_submit():
            abort(400)
        if request.form.get("action") == "unfollow":
            follow.unfollow(current_user, item)
            flash(_("You no longer follow %(code)s.", code=item.code), "info")
        else:
            follow.follow(current_user, item)
            flash(_("You follow %(code)s: you will be told when it changes stage.", code=item.code), "success")
        return redirect(_page(kind, code))
    form = FollowByEmailForm()
    if form.validate_on_submit():
        try:
            follow.follow_by_email(form.email.data, item)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("We sent a link to %(email)s: open it to confirm, and you will be told when %(code)s "
                    "changes stage.", email=form.email.data.strip(), code=item.code), "success")
    else:
        flash(_("Give a valid e-mail address."), "error")
    return redirect(_page(kind, code))


def _mailed_link(token: str, stopping: bool):
    """The page a mailed link opens: it shows what the button will do; only the button's POST acts."""
    row = follow.by_token(token)
    if row is None:
        abort(404)
    item = follow.subject_of(row)
    form = BaseForm()
    if request.method == "POST" and form.validate_on_submit():
        if stopping:
            follow.stop(row)
            flash(_("Stopped: no more e-mail about %(code)s.", code=item.code), "info")
        else:
            follow.confirm(row)
            flash(_("Confirmed: you will be told by e-mail when %(code)s changes stage.", code=item.code),
                  "success")
        return redirect(_page("project" if row.project_id else "need", item.code))
    return render_template("follow/confirm.html", row=row, item=item, form=form, stopping=stopping)


@bp.route("/follow/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    return _mailed_link(token, stopping=False)


@bp.route("/follow/stop/<token>", methods=["GET", "POST"])
def stop(token: str):
    return _mailed_link(token, stopping=True)


@bp.app_template_global()
def is_following(item) -> bool:
    return follow.is_following(current_user, item)
