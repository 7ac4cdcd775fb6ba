"""A reviewer's assignments (评榜): score each criterion with a reason, independently."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from marketplace.domain import queries
from marketplace.domain.assess import needs
from marketplace.domain.core import permissions, rules
from marketplace.extensions import db
from marketplace.forms.needs import review_form
from marketplace.models import Community, Need, NeedReview
from marketplace.views.helpers import get_or_404, page_arg
from marketplace.views.transaction import shows_refusals

REVIEWS_PER_PAGE = 50

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


def _labels() -> dict:
    return {r.key.rsplit(".", 1)[1]: r.label for r in rules.RULES if r.group == "need_weights"}


@bp.get("/")
@login_required
def index():
    permissions.require(current_user, "reviews.list")
    # the ones to score first, then the done ones, newest first — a page at a time (an expert's history grows)
    mine = (select(NeedReview).where(NeedReview.reviewer_id == current_user.id)
            .order_by(NeedReview.submitted_at.is_not(None), NeedReview.id.desc()))
    page = queries.paginate(mine, page_arg(), REVIEWS_PER_PAGE,
                            [joinedload(NeedReview.need).joinedload(Need.community).joinedload(Community.street)])
    return render_template("reviews/index.html", reviews=page.items, page=page)


@bp.route("/<code>", methods=["GET", "POST"])
@login_required
@shows_refusals
def review(code: str):
    permissions.require(current_user, "reviews.list")
    item = get_or_404(select(NeedReview).join(NeedReview.need).where(
        Need.code == code, NeedReview.reviewer_id == current_user.id))  # only one's own assignment
    need = item.need
    criteria = need.criteria or {}
    form = review_form(criteria, _labels(), request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        permissions.require(current_user, "need.review", item)
        if form.validate():
            scores = {k: {"score": getattr(form, f"{k}_score").data, "reason": getattr(form, f"{k}_reason").data}
                      for k in criteria}
            needs.submit_review(current_user, item, scores)
            flash(_("Your review is submitted. You can now see the other reviewers' scores."), "success")
            return redirect(url_for("reviews.review", code=code))
        status = 400
    # independence: others' scores only after one's own
    others = [r for r in need.reviews if r.submitted_at is not None] if item.submitted_at else []
    return render_template("reviews/review.html", item=item, need=need, form=form, criteria=criteria,
                           labels=_labels(), others=others), status
