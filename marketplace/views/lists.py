"""信用 · 红黑榜 pages: the public lists with history, filters and exports; the district's desk
(compute, publish, appeals, exemplary proposals, rating reviews); an organization's credit record."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from marketplace import exports
from marketplace.domain.core import permissions
from marketplace.domain.credit import ledger, lists
from marketplace.domain.orgs import organizations
from marketplace.domain.orgs import standing
from marketplace.extensions import db
from marketplace.forms import BaseForm
from marketplace.models import (
    Alliance,
    Appeal,
    AppealStatus,
    ExemplaryProposal,
    Grade,
    ListEntry,
    ListKind,
    ListPeriod,
    ListStatus,
    Organization,
    Street,
)
from marketplace.views.transaction import shows_refusals
from marketplace.views.helpers import form_status, get_or_404, int_arg
from marketplace.pagecache import public_page

bp = Blueprint("lists", __name__)


SHOWN_PER_LIST = 200  # a district's list has a few hundred entries; the exports give any list whole


def _filtered(query, period: ListPeriod | None, args):
    """A query over a period's entries (joined to their organizations), narrowed by the page's filters."""
    query = query.where(ListEntry.period_id == (period.id if period else None))
    alliance, street = args.get("alliance") or "", int_arg("street", args)
    name = (args.get("q") or "").strip()[:50]
    if alliance in Alliance._value2member_map_:
        query = query.where(Organization.alliance == Alliance(alliance))
    if street:
        query = query.where(Organization.streets.any(Street.id == street))
    if name:
        query = query.where(Organization.name.contains(name, autoescape=True))
    return query


def _entries_query(period: ListPeriod | None, args):
    """A period's entries as the list shows them (by list, then organization), filtered."""
    return _filtered(select(ListEntry).join(Organization)
                     .options(joinedload(ListEntry.organization), joinedload(ListEntry.period))
                     .order_by(ListEntry.kind, Organization.name, ListEntry.id), period, args)


def _entries(period: ListPeriod | None, args) -> tuple[dict[ListKind, list[ListEntry]], dict[ListKind, int]]:
    """Each list's first SHOWN_PER_LIST entries and how many it has in all (three queries whatever its size)."""
    shown: dict[ListKind, list[ListEntry]] = {kind: [] for kind in (ListKind.red, ListKind.black)}
    totals = dict.fromkeys(shown, 0)
    if period is None:
        return shown, totals
    counted = _filtered(select(ListEntry.kind, func.count()).join(Organization).group_by(ListEntry.kind), period, args)
    totals.update(dict(db.session.execute(counted).all()))
    query = _entries_query(period, args)
    for kind in shown:
        shown[kind] = list(db.session.scalars(query.where(ListEntry.kind == kind).limit(SHOWN_PER_LIST)))
    return shown, totals


def _period(code: str | None) -> ListPeriod | None:
    periods = lists.published_periods()
    if code:
        return next((p for p in periods if p.code == code), None)
    return periods[0] if periods else None


@bp.get("/lists")
@public_page
def public():
    period = _period(request.args.get("period"))
    entries, totals = _entries(period, request.args)
    return render_template("lists/public.html", period=period, periods=lists.published_periods(),
                           entries=entries, totals=totals, shown_per_list=SHOWN_PER_LIST, reason=lists.reason_text,
                           streets=db.session.scalars(select(Street).order_by(Street.id)).all(),
                           alliances=list(Alliance), filters=request.args)


@bp.get("/lists/export.<any(csv, xlsx):fmt>")
def export(fmt: str):
    period = _period(request.args.get("period"))
    rows = exports.streamed(_entries_query(period, request.args)) if period else iter(())
    header = [_("Period"), _("List"), _("Organization"), _("Unified social credit code"), _("Reason"), _("Credit"),
              _("Banned from bidding until"), _("Removed")]
    return exports.respond(fmt, "red-black-list", header, (
        [e.period.code, e.kind, e.organization.name, e.organization.uscc, lists.reason_text(e), e.credit,
         e.ban_until, e.removed_reason or ""] for e in rows))


# --- the district's desk -----------------------------------------------------------------------------

@bp.route("/district/lists", methods=["GET", "POST"])
@login_required
@shows_refusals
def desk():
    permissions.require(current_user, "lists.manage")
    form = BaseForm()
    if request.method == "POST" and form.validate_on_submit():
        period = lists.compute(current_user, request.form.get("period", ""))
        flash(_("Draft computed for %(code)s: check each entry's reason, then publish.", code=period.code), "success")
        return redirect(url_for("lists.desk", period=period.code))
    for message in form.form_errors:
        flash(message, "error")
    periods = db.session.scalars(select(ListPeriod).order_by(ListPeriod.ends_on.desc())).all()
    chosen = next((p for p in periods if p.code == request.args.get("period")), periods[0] if periods else None)
    pending = db.session.scalars(select(Appeal).where(Appeal.status == AppealStatus.pending)
                                 .options(joinedload(Appeal.entry).joinedload(ListEntry.organization))).all()
    proposals = db.session.scalars(select(ExemplaryProposal).where(ExemplaryProposal.confirmed_at.is_(None))).all()
    reviews = db.session.scalars(select(Organization).where(Organization.grade_review_reason.is_not(None))).all()
    entries = list(db.session.scalars(select(ListEntry).where(ListEntry.period_id == chosen.id)
                                      .options(joinedload(ListEntry.organization)).order_by(ListEntry.kind))) if chosen else []
    return render_template("lists/desk.html", periods=periods, chosen=chosen, entries=entries, pending=pending,
                           proposals=proposals, reviews=reviews, reason=lists.reason_text, confirm=BaseForm(),
                           grades=list(Grade), typed=request.form.get("period", "")), form_status(form)


@bp.post("/district/lists/<code>/publish")
@login_required
def publish(code: str):
    period = get_or_404(select(ListPeriod).where(ListPeriod.code == code))
    if BaseForm().validate_on_submit():
        lists.publish(current_user, period)
        flash(_("Published with an appeal window until %(d)s.", d=period.appeal_until), "success")
    return redirect(url_for("lists.desk", period=code))


@bp.post("/district/appeals/<int:appeal_id>")
@login_required
def decide(appeal_id: int):
    item = get_or_404(select(Appeal).where(Appeal.id == appeal_id))
    if BaseForm().validate_on_submit():
        lists.decide_appeal(current_user, item, request.form.get("uphold") == "1", request.form.get("reason", ""))
        flash(_("Decided; the reason is public."), "success")
    return redirect(url_for("lists.desk"))


@bp.post("/district/exemplary/<int:proposal_id>")
@login_required
def confirm_exemplary(proposal_id: int):
    proposal = get_or_404(select(ExemplaryProposal).where(ExemplaryProposal.id == proposal_id))
    if BaseForm().validate_on_submit():
        lists.confirm_exemplary(current_user, proposal)
        flash(_("%(org)s is confirmed as an exemplary organization (示范性社会组织).", org=proposal.organization.name),
              "success")
    return redirect(url_for("lists.desk"))


@bp.post("/district/organizations/<int:org_id>/grade")
@login_required
def set_grade(org_id: int):
    org = get_or_404(select(Organization).where(Organization.id == org_id))
    if BaseForm().validate_on_submit():
        raw, announced = request.form.get("grade", ""), request.form.get("announced_on", "")
        try:
            grade, day = (Grade(raw) if raw else None), (date.fromisoformat(announced) if announced else None)
        except ValueError:
            flash(_("Give the grade and the date it was announced."), "error")
        else:
            organizations.close_rating_review(current_user, org, grade, day)
            flash(_("The rating review of %(org)s is closed.", org=org.name), "success")
    return redirect(url_for("lists.desk"))


# --- an organization's own credit -----------------------------------------------------------------

@bp.route("/my/credit", methods=["GET", "POST"])
@login_required
def mine():
    permissions.require(current_user, "organization.own")
    org = current_user.organization
    if request.method == "POST" and BaseForm().validate_on_submit():
        entry = get_or_404(select(ListEntry).where(ListEntry.id == int_arg("entry_id", request.form),
                                                   ListEntry.organization_id == org.id))
        lists.appeal(current_user, entry, request.form.get("text", ""), request.form.get("evidence", ""),
                     repair=request.form.get("repair") == "1")
        flash(_("Sent; the district decides with a public reason."), "success")
        return redirect(url_for("lists.mine"))
    entries = db.session.scalars(select(ListEntry).join(ListPeriod).where(
        ListEntry.organization_id == org.id, ListPeriod.status == ListStatus.published)
        .order_by(ListPeriod.ends_on.desc())).all()
    return render_template("lists/mine.html", org=org, score=ledger.score(org.id), ledger=ledger.ledger(org.id),
                           entries=entries, reason=lists.reason_text, confirm=BaseForm(), today=lists.clock.today(),
                           black=standing.active_black(org.id), event_label=ledger.event_label,
                           window=lists.rules.get_rule("credit.window_months"))
