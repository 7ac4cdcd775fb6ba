"""A community secretary's work: residents' wishes to triage, needs to record (民意大摸排)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from marketplace.domain.assess import needs
from marketplace.domain.core import permissions
from marketplace.extensions import db
from marketplace.forms.needs import NeedForm, ReasonForm
from marketplace.models import Category, Need, NeedStatus, Wish, WishStatus
from marketplace.views.helpers import form_status, get_or_404, int_arg
from marketplace.views.transaction import shows_refusals

bp = Blueprint("community_desk", __name__, url_prefix="/community")


@bp.get("/")
@login_required
def index():
    permissions.require(current_user, "need.record")
    wishes = db.session.scalars(select(Wish).where(
        Wish.community_id == current_user.community_id, Wish.status == WishStatus.new)
        .order_by(Wish.id).limit(200)).all()
    own = db.session.scalars(select(Need).where(Need.community_id == current_user.community_id)
                             .options(joinedload(Need.category)).order_by(Need.id.desc()).limit(200)).all()
    return render_template("community/index.html", wishes=wishes, needs=own, decline_form=ReasonForm(),
                           statuses=list(NeedStatus))


def _wish_in_scope(wish_id: int) -> Wish:
    return get_or_404(select(Wish).where(Wish.id == wish_id, Wish.community_id == current_user.community_id))


@bp.route("/needs/new", methods=["GET", "POST"])
@login_required
@shows_refusals
def new_need():
    permissions.require(current_user, "need.record")
    wish_id = int_arg("wish")
    wish = _wish_in_scope(wish_id) if wish_id else None
    form = NeedForm()
    form.category_id.choices = [(c.id, c.name) for c in db.session.scalars(select(Category).order_by(Category.id))]
    if wish is not None and not form.is_submitted():
        form.description.data = wish.content
    if form.validate_on_submit():
        need = needs.record_need(current_user, form.need_data(), photos=request.files.getlist("photos"),
                                 wish=wish, submission_key=form.submission_key.data)
        flash(_("Need %(code)s recorded; the street will arrange its review.", code=need.code), "success")
        return redirect(url_for("needs.detail", code=need.code))
    return render_template("community/need_form.html", form=form, wish=wish), form_status(form)


@bp.post("/wishes/<int:wish_id>/decline")
@login_required
def decline(wish_id: int):
    wish = _wish_in_scope(wish_id)
    form = ReasonForm()
    if form.validate_on_submit():
        needs.decline_wish(current_user, wish, form.reason.data)
        flash(_("The wish is declined with your reason."), "info")
    else:
        flash(_("Give the reason for declining."), "error")
    return redirect(url_for("community_desk.index"))
