"""社区书记点单会: the public list and page of each meeting (programme, orders and what became of them),
scheduling and the programme (district, street), shortlists and orders (secretaries), the
organization's answer, and each order's page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from datetime import timedelta

from marketplace.domain.core import audit, clock, permissions, rules
from marketplace.domain.supply import ordering
from marketplace.extensions import db
from marketplace.pagecache import public_page
from marketplace.forms import BaseForm
from marketplace.forms.ordering import CancelForm, DeclineForm, MeetingForm, OrderForm, PresentForm
from marketplace.models import (
    Community,
    MeetingItem,
    OrderingMeeting,
    Role,
    ServiceItem,
    ServiceOrder,
    ServiceStatus,
)
from marketplace.views.helpers import form_status, get_or_404
from marketplace.views.transaction import shows_refusals

bp = Blueprint("meetings", __name__)


def _meeting(code: str) -> OrderingMeeting:
    return get_or_404(select(OrderingMeeting).where(OrderingMeeting.code == code).options(
        joinedload(OrderingMeeting.street), selectinload(OrderingMeeting.communities).joinedload(Community.street)))


def _row(meeting: OrderingMeeting, row_id: int) -> MeetingItem:
    return get_or_404(select(MeetingItem).where(MeetingItem.id == row_id, MeetingItem.meeting_id == meeting.id))


def _order(code: str) -> ServiceOrder:
    return get_or_404(select(ServiceOrder).where(ServiceOrder.code == code).options(
        joinedload(ServiceOrder.item), joinedload(ServiceOrder.organization), joinedload(ServiceOrder.meeting),
        joinedload(ServiceOrder.community).joinedload(Community.street), joinedload(ServiceOrder.project),
        selectinload(ServiceOrder.needs)))


# --- public --------------------------------------------------------------------------------------------

@bp.get("/meetings/")
@public_page
def index():
    meetings = db.session.scalars(ordering.meetings_query()).all()
    now = clock.now()
    upcoming = sorted([m for m in meetings if m.starts_at >= now], key=lambda m: m.starts_at)
    past = [m for m in meetings if m.starts_at < now]
    counts = dict(db.session.execute(select(ServiceOrder.meeting_id, db.func.count()).group_by(
        ServiceOrder.meeting_id)).all())
    items = dict(db.session.execute(select(MeetingItem.meeting_id, db.func.count()).group_by(
        MeetingItem.meeting_id)).all())
    return render_template("meetings/list.html", upcoming=upcoming, past=past, counts=counts, items=items,
                           phase=ordering.phase, can_schedule=permissions.can(current_user, "meeting.schedule"))


@bp.get("/meetings/<code>")
@public_page
def detail(code: str):
    meeting = _meeting(code)
    rows = ordering.programme(meeting)
    context = {
        "meeting": meeting, "rows": rows, "left": ordering.left_at_meeting(rows), "orders": ordering.orders_of(meeting),
        "phase": ordering.phase(meeting), "limit": ordering.commission_limit(), "confirm": BaseForm(),
        "can_manage": permissions.can(current_user, "meeting.manage", meeting),
        "can_order": permissions.can(current_user, "meeting.order", meeting),
        "shortlisted": ordering.shortlisted_ids(meeting, getattr(current_user, "community_id", None))
        if permissions.has_role(current_user, Role.secretary) else set(),
    }
    if context["can_manage"]:
        context["present_form"] = _present_form(meeting)
        context["cancel_form"] = CancelForm()
    return render_template("meetings/detail.html", **context)


@bp.get("/orders/<code>")
@public_page
def order_page(code: str):
    order = _order(code)
    private = permissions.can(current_user, "order.view_private", order)
    return render_template("meetings/order.html", order=order, private=private,
                           history=audit.timeline(order) if private else [],
                           limit=ordering.commission_limit(), confirm=BaseForm(), decline_form=DeclineForm(),
                           cancel_form=CancelForm(), action_label=lambda a: str(ordering.ACTION_LABELS.get(a, a)))


# --- scheduling and the programme ----------------------------------------------------------------------

def _communities() -> list[Community]:
    query = select(Community).options(joinedload(Community.street)).order_by(Community.street_id, Community.id)
    if current_user.role is Role.street:
        query = query.where(Community.street_id == current_user.street_id)
    return list(db.session.scalars(query))


@bp.route("/meetings/new", methods=["GET", "POST"])
@login_required
@shows_refusals
def new():
    permissions.require(current_user, "meeting.schedule")
    form = MeetingForm()
    communities = _communities()
    form.community_ids.choices = [(c.id, c.name if current_user.role is Role.street else str(c)) for c in communities]
    if form.validate_on_submit():
        meeting = ordering.schedule(current_user, {
            "title": form.title.data, "starts_at": form.starts_at.data, "place": form.place.data,
            "notes": form.notes.data, "community_ids": form.community_ids.data}, form.submission_key.data)
        flash(_("Ordering meeting %(code)s scheduled; the secretaries invited are notified. Now put the "
                "presented items on its programme.", code=meeting.code), "success")
        return redirect(url_for("meetings.detail", code=meeting.code))
    return render_template("meetings/new.html", form=form), form_status(form)


def _present_form(meeting: OrderingMeeting) -> PresentForm:
    form = PresentForm()
    query = select(ServiceItem).where(ServiceItem.status == ServiceStatus.listed).options(
        joinedload(ServiceItem.organization)).order_by(ServiceItem.code)
    if meeting.street_id is not None:
        from marketplace.domain.supply.catalogue import covers_clause

        query = query.where(covers_clause(meeting.street_id))
    on = {r.item_id for r in meeting.items}
    form.item_code.choices = [("", _("Choose…"))] + [
        (i.code, f"{i.code} {i.name} — {i.organization.name}") for i in db.session.scalars(query) if i.id not in on]
    if not form.is_submitted():
        form.slot_at.data = meeting.starts_at.astimezone(clock.LOCAL_TZ).replace(tzinfo=None)
    return form


@bp.post("/meetings/<code>/items")
@login_required
@shows_refusals
def present(code: str):
    meeting = _meeting(code)
    permissions.require(current_user, "meeting.manage", meeting)
    form = _present_form(meeting)
    if form.validate_on_submit():
        item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == form.item_code.data))
        ordering.present(current_user, meeting, item, form.slot_at.data, form.slot_minutes.data, form.capacity.data)
        flash(_("Added to the programme."), "success")
        return redirect(url_for("meetings.detail", code=code) + "#programme")
    rows = ordering.programme(meeting)
    return render_template("meetings/detail.html", meeting=meeting, rows=rows, left=ordering.left_at_meeting(rows),
                           orders=ordering.orders_of(meeting), phase=ordering.phase(meeting),
                           limit=ordering.commission_limit(), confirm=BaseForm(), can_manage=True, can_order=False,
                           shortlisted=set(), present_form=form, cancel_form=CancelForm()), 400


@bp.post("/meetings/<code>/cancel")
@login_required
def cancel(code: str):
    meeting = _meeting(code)
    permissions.require(current_user, "meeting.manage", meeting)
    form = CancelForm()
    if form.validate_on_submit():
        ordering.cancel(current_user, meeting, form.reason.data)
        flash(_("The meeting is cancelled; the reason is public."), "info")
    else:
        flash(_("Give the reason; it is public."), "error")
    return redirect(url_for("meetings.detail", code=code))


# --- secretaries ---------------------------------------------------------------------------------------

@bp.post("/meetings/<code>/items/<int:row_id>/shortlist")
@login_required
def shortlist(code: str, row_id: int):
    meeting = _meeting(code)
    row = _row(meeting, row_id)
    permissions.require(current_user, "meeting.shortlist", meeting)
    if BaseForm().validate_on_submit():
        on = ordering.toggle_shortlist(current_user, row)
        flash(_("On your shortlist.") if on else _("Taken off your shortlist."), "success")
    return redirect(url_for("meetings.detail", code=code) + f"#item-{row.id}")


@bp.route("/meetings/<code>/items/<int:row_id>/order", methods=["GET", "POST"])
@login_required
@shows_refusals
def order(code: str, row_id: int):
    meeting = _meeting(code)
    row = _row(meeting, row_id)
    permissions.require(current_user, "meeting.order", meeting)
    form = OrderForm()
    needs = ordering.open_needs(current_user.community_id)
    form.need_ids.choices = [(n.id, f"{n.code} {n.title}") for n in needs]
    if form.validate_on_submit():
        placed = ordering.place(current_user, row, {
            "quantity": form.quantity.data, "months": form.months.data, "budget": form.budget.data,
            "need_ids": form.need_ids.data, "note": form.note.data}, form.submission_key.data)
        flash(_("Order %(code)s placed; %(org)s is asked to accept it.", code=placed.code,
                org=placed.organization.name), "success")
        return redirect(url_for("meetings.order_page", code=placed.code))
    left = ordering.left_at_meeting([row])[row.id]
    return render_template("meetings/order_form.html", form=form, meeting=meeting, row=row, left=left,
                           phase=ordering.phase(meeting), limit=ordering.commission_limit()), form_status(form)


@bp.get("/my/orders")
@login_required
def mine():
    """A secretary's orders and the meetings the community is invited to; an organization's orders
    (those waiting for its answer first) and the meetings presenting its items."""
    since = clock.now() - timedelta(days=rules.get_rule("ordering.order_window_days"))
    query = select(ServiceOrder).options(joinedload(ServiceOrder.item), joinedload(ServiceOrder.organization),
                                         joinedload(ServiceOrder.meeting), joinedload(ServiceOrder.project),
                                         joinedload(ServiceOrder.community))
    recent = select(OrderingMeeting).where(OrderingMeeting.starts_at >= since).order_by(OrderingMeeting.starts_at)
    if permissions.has_role(current_user, Role.organization):
        orders = ordering.orders_for_org(current_user.organization_id)
        meetings = db.session.scalars(recent.where(OrderingMeeting.items.any(MeetingItem.item.has(
            ServiceItem.organization_id == current_user.organization_id)))).all()
    elif permissions.has_role(current_user, Role.secretary):
        orders = db.session.scalars(query.where(ServiceOrder.community_id == current_user.community_id)
                                    .order_by(ServiceOrder.id.desc())).all()
        meetings = db.session.scalars(recent.where(OrderingMeeting.communities.any(
            Community.id == current_user.community_id))).all()
    else:
        abort(403)
    return render_template("meetings/mine.html", orders=orders, meetings=meetings, phase=ordering.phase)


@bp.post("/orders/<code>/cancel")
@login_required
def cancel_order(code: str):
    placed = _order(code)
    permissions.require(current_user, "order.cancel", placed)
    form = CancelForm()
    if form.validate_on_submit():
        ordering.cancel_order(current_user, placed, form.reason.data)
        flash(_("The order is withdrawn."), "info")
    else:
        flash(_("Give the reason; it is public."), "error")
    return redirect(url_for("meetings.order_page", code=code))


# --- the organization's answer -------------------------------------------------------------------------

@bp.post("/orders/<code>/accept")
@login_required
def accept(code: str):
    placed = _order(code)
    permissions.require(current_user, "order.decide", placed)
    if BaseForm().validate_on_submit():
        project = ordering.accept(current_user, placed)
        if placed.outcome.value == "commissioned":
            flash(_("Accepted: project %(code)s is commissioned to you and in delivery — set its delivery plan.",
                    code=project.code), "success")
        else:
            flash(_("Accepted: the budget is above the direct-commission limit, so draft project %(code)s goes to "
                    "the street to publish; you are invited to bid.", code=project.code), "success")
    return redirect(url_for("meetings.order_page", code=code))


@bp.post("/orders/<code>/decline")
@login_required
@shows_refusals
def decline(code: str):
    placed = _order(code)
    permissions.require(current_user, "order.decide", placed)
    form = DeclineForm()
    if form.validate_on_submit():
        ordering.decline(current_user, placed, form.reason.data)
        flash(_("Declined; the community sees your reason."), "info")
        return redirect(url_for("meetings.order_page", code=code))
    return render_template("meetings/order.html", order=placed, private=True, history=audit.timeline(placed),
                           limit=ordering.commission_limit(), confirm=BaseForm(), decline_form=form,
                           cancel_form=CancelForm(),
                           action_label=lambda a: str(ordering.ACTION_LABELS.get(a, a))), 400

