"""承榜: the street's panel page (members, roadshows, award), the panel member's review page,
the public "why this winner" page, objections and republishing a failed tender."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.domain.core import permissions, records, rules
from marketplace.domain.tender import awards, bids
from marketplace.domain.core.clock import LOCAL_TZ
from marketplace.extensions import db
from marketplace.forms import BaseForm, id_prefixed
from marketplace.forms.bids import DecisionForm, ObjectionForm, RepublishForm, RoadshowForm
from marketplace.forms.needs import review_form
from marketplace.models import Bid, BidScore, Objection, PanelRole, User
from marketplace.views.helpers import get_or_404, ids_from, int_arg, project_for
from marketplace.views.transaction import shows_refusals
from marketplace.pagecache import public_page

bp = Blueprint("awards", __name__)


def _labels() -> dict:
    labels = {r.key.rsplit(".", 1)[1]: r.label for r in rules.RULES if r.group == "award_weights"}
    labels["price"] = _("Price")
    return labels


@bp.route("/projects/<code>/panel", methods=["GET", "POST"])
@login_required
@shows_refusals
def panel(code: str):
    project = project_for(code)
    permissions.require(current_user, "panel.view", project)
    form = BaseForm()
    if request.method == "POST" and form.validate_on_submit():
        permissions.require(current_user, "panel.manage", project)
        chosen = []
        for role in PanelRole:
            for user_id in ids_from(request.form.getlist(f"members_{role.value}")):
                user = db.session.get(User, user_id)
                if user is not None:
                    chosen.append((user, role))
        awards.set_panel(current_user, project, chosen)
        flash(_("The panel is formed. Each member signs the no-conflict declaration before reading any bid."),
              "success")
        return redirect(url_for("awards.panel", code=code))
    error = form.form_errors[0] if form.form_errors else None
    members = awards.panel(project)
    competing = awards.eligible_bids(project, letters=True)
    done = set(db.session.execute(select(BidScore.bid_id, BidScore.member_id).where(
        BidScore.member_id.in_([m.id for m in members]))).all()) if members else set()
    ready = awards.all_scored(project)
    return render_template("awards/panel.html", project=project, members=members, candidates=awards.panel_choices(project),
                           roles=list(PanelRole), bids=competing, done=done, ready=ready,
                           ranking=awards.ranking(project) if ready else [],
                           slots=awards.roadshow_slots(competing),
                           scored={m.id: sum(1 for _b, who in done if who == m.id) for m in members},
                           roadshow_form=RoadshowForm(), decision_form=DecisionForm(), error=error,
                           confirm=BaseForm()), 400 if error else 200


@bp.post("/projects/<code>/roadshow/<int:bid_id>")
@login_required
def roadshow(code: str, bid_id: int):
    project = project_for(code)
    bid = get_or_404(select(Bid).where(Bid.id == bid_id, Bid.project_id == project.id))
    form = RoadshowForm()
    if form.validate_on_submit():
        awards.schedule_roadshow(current_user, bid, form.starts_at.data.replace(tzinfo=LOCAL_TZ), form.place.data)
        flash(_("Roadshow scheduled; the bidder sees its slot."), "success")
    else:
        permissions.require(current_user, "roadshow.schedule", project)
        flash(_("Give the time and the place of the roadshow."), "error")
    return redirect(url_for("awards.panel", code=code))


@bp.post("/projects/<code>/award")
@login_required
def decide(code: str):
    project = project_for(code)
    permissions.require(current_user, "award.decide", project)
    form = DecisionForm()
    bid = get_or_404(select(Bid).where(Bid.id == int_arg("bid_id", request.form), Bid.project_id == project.id))
    if form.validate_on_submit():
        awards.award(current_user, project, bid, form.reason.data)
        flash(_("Awarded to %(org)s; the public notice is open.", org=bid.organization.name), "success")
        return redirect(url_for("awards.why", code=code))
    return redirect(url_for("awards.panel", code=code))


@bp.route("/projects/<code>/review", methods=["GET", "POST"])
@login_required
@shows_refusals
def review(code: str):
    """A panel member's page: declaration, recusal, the bids (after declaring) and the score forms."""
    project = project_for(code)
    member = awards.panel_member(project, current_user)
    if member is None:
        abort(404)
    criteria = awards.scored_criteria(project)
    forms, mine = {}, {}
    competing = awards.eligible_bids(project, letters=True)
    if member.declared_at and not member.recused_at:
        mine = awards.scores_of(member, competing)
        for bid in competing:
            forms[bid.id] = id_prefixed(review_form(criteria, _labels()), f"bid{bid.id}")
    status = 200
    action = request.form.get("action")
    if request.method == "POST" and action in ("declare", "recuse"):
        confirm = BaseForm()
        if confirm.validate_on_submit():
            if action == "declare":
                awards.declare(current_user, project)
                flash(_("Declaration signed. You can now read the bids."), "success")
            else:
                awards.recuse(current_user, project, request.form.get("reason", ""))
                flash(_("You have recused yourself; you will not score this project."), "success")
            return redirect(url_for("awards.review", code=code))
        for message in confirm.form_errors:
            flash(message, "error")
        status = 400
    elif request.method == "POST":
        bid = get_or_404(select(Bid).where(Bid.id == int_arg("bid_id", request.form),
                                           Bid.project_id == project.id))
        form = forms[bid.id] = id_prefixed(review_form(criteria, _labels(), request.form), f"bid{bid.id}")
        if form.validate_on_submit():
            awards.score(current_user, bid, {k: {"score": getattr(form, f"{k}_score").data,
                                                 "reason": getattr(form, f"{k}_reason").data} for k in criteria})
            flash(_("Scores saved for %(org)s.", org=bid.organization.name), "success")
            return redirect(url_for("awards.review", code=code))
        status = 400
    ready = awards.all_scored(project)
    return render_template("awards/review.html", project=project, member=member, bids=competing, forms=forms,
                           mine=mine, criteria=criteria, labels=_labels(), ready=ready,
                           ranking=awards.ranking(project) if ready else [],
                           readable=bids.readable(current_user, project, competing),
                           confirm=BaseForm()), status


@bp.get("/projects/<code>/award")
@public_page
def why(code: str):
    """The public "why this winner" page."""
    project = project_for(code)
    decision = awards.current_award(project)
    history = awards.awards_of(project)
    if not history:
        abort(404)
    decision = decision or history[0]
    competing = awards.eligible_bids(project)
    return render_template("awards/why.html", project=project, decision=decision, history=history,
                           winner_receipt=bids.winner_receipt(project),
                           labels=_labels(), objection_form=ObjectionForm(), decision_form=DecisionForm(),
                           can_object=current_user.is_authenticated and permissions.can(
                               current_user, "objection.file", decision),
                           bids={b.id: b for b in competing},
                           full=bids.full_letters(current_user, project, competing),
                           notice_over=records.notice_over(decision),
                           withdrawal_points=rules.get_rule("credit.withdrawal_after_award"))


@bp.post("/projects/<code>/award/objections")
@login_required
def object_(code: str):
    project = project_for(code)
    decision = awards.current_award(project)
    if decision is None:
        abort(404)
    form = ObjectionForm()
    if form.validate_on_submit():
        awards.file_objection(current_user, decision, form.text.data)
        flash(_("Your objection is filed; the street will decide it with a public reason."), "success")
    else:
        flash(_("Explain the objection (at least 10 characters)."), "error")
    return redirect(url_for("awards.why", code=code, _anchor="objections"))


@bp.post("/objections/<int:objection_id>")
@login_required
def decide_objection(objection_id: int):
    objection = get_or_404(select(Objection).where(Objection.id == objection_id))
    permissions.require(current_user, "objection.decide", objection)
    form = DecisionForm()
    code = objection.award.bid.project.code
    if form.validate_on_submit():
        awards.decide_objection(current_user, objection, request.form.get("uphold") == "1", form.reason.data)
        flash(_("The objection is decided; the decision and its reason are public."), "success")
    return redirect(url_for("awards.why", code=code, _anchor="objections"))


@bp.post("/projects/<code>/republish")
@login_required
def republish(code: str):
    project = project_for(code)
    permissions.require(current_user, "project.republish", project)
    form = RepublishForm()
    if form.validate_on_submit():
        awards.republish(current_user, project, form.bid_deadline.data.replace(tzinfo=LOCAL_TZ),
                         form.qa_deadline.data.replace(tzinfo=LOCAL_TZ))
        flash(_("Published again: open for bids."), "success")
    else:
        flash(_("Enter a date and time."), "error")
    return redirect(url_for("projects.detail", code=code))


@bp.post("/projects/<code>/award/withdraw")
@login_required
def withdraw_award(code: str):
    project = project_for(code)
    permissions.require(current_user, "award.withdraw", project)
    if BaseForm().validate_on_submit():
        awards.withdraw_after_award(current_user, project, request.form.get("reason", ""))
        flash(_("You have withdrawn from the project; it will be published again."), "info")
    return redirect(url_for("projects.detail", code=code))
