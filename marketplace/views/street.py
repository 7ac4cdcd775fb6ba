"""A street officer's work: the needs of its communities, its projects, open questions."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from marketplace.domain import queries, stats
from marketplace.domain.core import permissions, records, rules
from marketplace.extensions import db
from marketplace.models import Community, Need, NeedStatus, Project, ProjectStatus, Question
from marketplace.views import figures
from marketplace.views.helpers import cursor_arg, page_arg

bp = Blueprint("street_desk", __name__, url_prefix="/street")


@bp.get("/")
@login_required
def index():
    permissions.require(current_user, "street.manage")
    status = request.args.get("status", "")
    status = status if status in NeedStatus._value2member_map_ else ""
    query = select(Need).join(Need.community).where(Community.street_id == current_user.street_id)
    if status:
        query = query.where(Need.status == NeedStatus(status))
    counts = dict(db.session.execute(
        select(Need.status, func.count()).join(Need.community).where(Community.street_id == current_user.street_id)
        .group_by(Need.status)).all())
    page = queries.paginate(query.order_by(Need.id.desc()), page_arg(), 30,
                            (joinedload(Need.community), joinedload(Need.category)),
                            total=counts.get(NeedStatus(status), 0) if status else sum(counts.values()),
                            cursor=cursor_arg())
    street_projects = db.session.scalars(select(Project).where(Project.street_id == current_user.street_id)
                                         .order_by(Project.id.desc()).limit(50)).all()
    records.prime_stages(street_projects)
    open_questions = db.session.scalars(select(Question).join(Project).where(
        Project.street_id == current_user.street_id, Question.answer.is_(None),
        Project.status == ProjectStatus.bidding).options(joinedload(Question.project))).all()
    f = stats.figures(current_user.street_id)
    late = stats.overdue_decisions(current_user.street_id)
    overdue = stats.overdue_milestones(current_user.street_id)
    return render_template("street/index.html", page=page, status=status, counts=counts,
                           statuses=list(NeedStatus), projects=street_projects, questions=open_questions,
                           threshold=rules.get_rule("need.publish_threshold"),
                           f=f, charts=figures.figure_charts(f), overdue=overdue, late=late,
                           late_chart=figures.late_chart(overdue[0], late))
