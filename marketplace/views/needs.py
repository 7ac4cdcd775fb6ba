"""需求清单: the public needs list and pages, residents' micro-wishes, and the actions on a need
(merge, assign reviewers, decide)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from marketplace import export_jobs
from marketplace.domain import overview, queries
from marketplace.domain.assess import needs
from marketplace.domain.core import followup, permissions, records, rules, timeline, uploads
from marketplace.domain.supply import match
from marketplace.extensions import db, limiter
from marketplace.forms.needs import AssignForm, DecideForm, MergeForm, WishForm
from marketplace.models import Community, Need, NeedPhoto, NeedStatus, ProjectStatus, Street, User
from marketplace.views.helpers import cursor_arg, form_status, get_or_404, list_context, page_arg
from marketplace.views.transaction import shows_refusals
from marketplace.pagecache import public_page

bp = Blueprint("needs", __name__)


def _community_choices() -> dict:
    streets = db.session.scalars(select(Street).order_by(Street.id)).all()
    communities = db.session.scalars(select(Community).order_by(Community.street_id, Community.id)).all()
    by_street = {s.id: [] for s in streets}
    for c in communities:
        by_street[c.street_id].append((c.id, c.name))
    choices = {_("Choose"): [(0, _("— choose your community —"))]}
    choices.update({s.name: by_street[s.id] for s in streets})
    return choices


def _wish_limit() -> str:
    return current_app.config["WISH_RATE_LIMIT"]


@bp.route("/wish", methods=["GET", "POST"])
@limiter.limit(_wish_limit, methods=["POST"])
@shows_refusals
def wish():
    form = WishForm()
    form.community_id.choices = _community_choices()
    if form.validate_on_submit():
        community = db.session.get(Community, form.community_id.data)
        if community is None:
            form.community_id.errors = [_("Choose your community.")]
        else:
            made = needs.submit_wish(community, form.content.data, form.contact.data, request.remote_addr or "",
                                     form.submission_key.data)
            return render_template("needs/wish_thanks.html", community=community, wish=made,
                                   tracking=followup.display(made.tracking_code or ""))
    return render_template("needs/wish.html", form=form), form_status(form)


@bp.get("/needs/")
@public_page
def index():
    filters = queries.need_filters(request.args)
    page = queries.paginate(queries.needs(current_user, filters), page_arg(), 20, queries.NEED_ROWS,
                            cursor=cursor_arg())
    return render_template("needs/list.html", page=page, filters=filters, statuses=list(NeedStatus),
                           **list_context())


@bp.get("/needs/export.<any(csv, xlsx):fmt>")
def export(fmt: str):
    return export_jobs.respond(current_user, "needs", fmt, request.args)


def _need(code: str) -> Need:
    return get_or_404(queries.need_by_code(code))


def _glance(need: Need) -> dict:
    """The stage bar, and the summary box once the need's project is public."""
    project = need.project
    public = project is not None and records.stage(project) not in (ProjectStatus.draft, ProjectStatus.withdrawn)
    return {"steps": overview.need_steps(need), "summary": overview.project_summary(project) if public else None}


@bp.get("/needs/<code>")
@public_page
def detail(code: str):
    need = _need(code)
    private = permissions.can(current_user, "need.view_private", need)
    context = {"need": need, "events": timeline.public_timeline(need), "private": private,
               "threshold": rules.get_rule("need.publish_threshold"),
               "merged_from": db.session.scalars(select(Need).where(Need.merged_into_id == need.id)).all(),
               **_glance(need)}
    if permissions.can(current_user, "need.merge", need):
        context["merge_form"] = _merge_form(need)
    if private:
        context["matches"] = match.for_need(need)
    if permissions.can(current_user, "need.decide", need):
        context["decide_form"] = DecideForm()
    return render_template("needs/detail.html", **context)


@bp.get("/needs/<code>/photos/<int:photo_id>")
@login_required
def photo(code: str, photo_id: int):
    need = _need(code)
    if not permissions.can(current_user, "need.view_private", need):
        abort(404)
    item = get_or_404(select(NeedPhoto).where(NeedPhoto.id == photo_id, NeedPhoto.need_id == need.id))
    response = send_file(uploads.path_of("needs", item.stored_name), mimetype=item.content_type, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _merge_form(need: Need, formdata=None) -> MergeForm:
    form = MergeForm(formdata=formdata) if formdata is not None else MergeForm()
    candidates = db.session.scalars(select(Need).where(
        Need.community_id == need.community_id, Need.id != need.id,
        Need.status.in_((NeedStatus.recorded, NeedStatus.in_review, NeedStatus.approved))).order_by(Need.id)).all()
    form.survivor_id.choices = [(n.id, f"{n.code} {n.title}") for n in candidates]
    return form


@bp.post("/needs/<code>/merge")
@login_required
def merge(code: str):
    need = _need(code)
    permissions.require(current_user, "need.merge", need)
    form = _merge_form(need, request.form)
    if form.validate_on_submit():
        survivor = db.session.get(Need, form.survivor_id.data)
        needs.merge(current_user, need, survivor)
        flash(_("%(dup)s is merged into %(code)s; it keeps its case code.", dup=need.code, code=survivor.code),
              "success")
        return redirect(url_for("needs.detail", code=survivor.code))
    else:
        flash(_("Choose the need to merge into."), "error")
    return redirect(url_for("needs.detail", code=code))


@bp.route("/needs/<code>/assign", methods=["GET", "POST"])
@login_required
@shows_refusals
def assign(code: str):
    need = _need(code)
    permissions.require(current_user, "need.assign_reviewers", need)
    form = AssignForm()
    experts = needs.eligible_reviewers()
    already = {r.reviewer_id for r in need.reviews}
    form.reviewer_ids.choices = [(u.id, f"{u.display_name} · {u.expert_profile.fields if u.expert_profile else ''}")
                                 for u in experts if u.id not in already]
    if form.validate_on_submit():
        chosen = [u for u in experts if u.id in set(form.reviewer_ids.data or [])]
        needs.assign_reviewers(current_user, need, chosen)
        flash(_("Reviewers assigned; they have been notified."), "success")
        return redirect(url_for("needs.detail", code=code))
    assigned = db.session.scalars(select(User).where(User.id.in_(already)).options(
        joinedload(User.expert_profile))).all()
    return render_template("needs/assign.html", need=need, form=form, assigned=assigned), form_status(form)


@bp.post("/needs/<code>/decide")
@login_required
@shows_refusals
def decide(code: str):
    need = _need(code)
    permissions.require(current_user, "need.decide", need)
    form = DecideForm()
    if form.validate_on_submit():
        needs.decide(current_user, need, form.decision.data == "approve", form.reason.data)
        flash(_("Decision recorded: %(status)s.", status=need.status.label), "success")
        return redirect(url_for("needs.detail", code=code))
    need = _need(code)
    return render_template("needs/detail.html", need=need, events=timeline.public_timeline(need), private=True,
                           threshold=rules.get_rule("need.publish_threshold"), decide_form=form,
                           merged_from=[], **_glance(need)), 400
