from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from marketplace.domain.core import notify
from marketplace.forms import BaseForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index():
    return render_template("notifications/index.html", items=notify.recent(current_user), render=notify.render,
                           form=BaseForm())


@bp.post("/read")
@login_required
def read_all():
    if BaseForm().validate_on_submit():
        notify.mark_all_read(current_user)
    return redirect(url_for("notifications.index"))
