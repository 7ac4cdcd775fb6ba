"""The signed-in home: who I am, what I can do, what I have to do."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from marketplace.domain import tasks

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@login_required
def index():
    return render_template("dashboard/index.html", tasks=tasks.tasks_for(current_user),
                           role=current_user.role)
