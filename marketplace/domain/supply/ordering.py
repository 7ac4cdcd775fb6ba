"""社区书记点单会: the ordering meeting.

The district or a street schedules a meeting (date, place, the communities invited) and the items
presented there, each with its roadshow slot (路演宣讲) and the capacity offered. Before the meeting the
invited communities' secretaries browse the presented items and shortlist; from its start until
orders close they order (按需取用): so many units a month for so many months, the needs it answers,
the budget from the community fund. The organization accepts or declines with a reason.

Capacity is kept under concurrent orders: placing and accepting lock the item's row (SELECT … FOR
UPDATE on PostgreSQL; SQLite serialises writers), so orders never exceed the capacity offered at the
meeting nor the item's monthly capacity over any month of their periods; accepting also locks the
organization's row, so commissioned projects never exceed the grade's concurrent limit (资源限流).

An accepted order within the direct-commission limit (rule `ordering.direct_commission_limit`,
community fund only) becomes a commissioned project through the award path
(`tender.awards.commission`): bid, final award and contract, then delivery, 考榜, credit and the
red/black list like any awarded project. Above the limit it becomes a draft project of the
community's street, the ordering organization invited (notified now and when it is published).
Every operation checks permission and state, flushes and appends to the audit chain; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.domain.core import audit, clock, codes, notify, permissions, rules, search
from marketplace.domain.core.errors import InvalidTransition, ValidationError, labelled_text
from marketplace.domain.orgs import standing
from marketplace.extensions import db
from marketplace.models import (
    Community,
    MeetingItem,
    MeetingStatus,
    Need,
    NeedStatus,
    OrderingMeeting,
    OrderOutcome,
    OrderStatus,
    Organization,
    Project,
    ProjectStatus,
    Regime,
    Role,
    ServiceItem,
    ServiceOrder,
    ServiceStatus,
    Shortlist,
    User,
    VerificationStatus,
)

LIVE = (OrderStatus.placed, OrderStatus.accepted)
MAX_MONTHS = 12
MAX_BUDGET = Decimal(10) ** 10
OPEN_NEED_STATES = (NeedStatus.recorded, NeedStatus.in_review, NeedStatus.approved)


_text = labelled_text


def _whole(value: Any, field: str, message: Any, low: int, high: int) -> int:
    try:
        number = int(str(value).strip()) if value not in (None, "") and not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise ValidationError(message, field=field)
    return number


def _aware(value: Any, field: str, label: Any) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError(_l("%(label)s is required.", label=label), field=field)
    return value if value.tzinfo is not None else value.replace(tzinfo=clock.LOCAL_TZ)


def meeting_code() -> str:
    year = clock.today().year
    return f"LCDH-{year}-{codes.next_value(f'meeting-{year}'):03d}"


def order_code() -> str:
    year = clock.today().year
    return f"LCDD-{year}-{codes.next_value(f'order-{year}'):04d}"


# --- the meeting -------------------------------------------------------------------------------------

def schedule(actor: User, data: dict[str, Any], submission_key: str | None = None) -> OrderingMeeting:
    """The district (any communities) or a street (its own communities) schedules a meeting."""
    permissions.require(actor, "meeting.schedule")
    if submission_key:
        earlier = db.session.scalar(select(OrderingMeeting).where(OrderingMeeting.submission_key == submission_key))
        if earlier is not None:
            return earlier
    title = _text(data.get("title"), "title", _l("Title"), 100)
    starts_at = _aware(data.get("starts_at"), "starts_at", _l("Date and time"))
    if starts_at <= clock.now():
        raise ValidationError(_l("The meeting must be scheduled in the future."), field="starts_at")
    place = _text(data.get("place"), "place", _l("Place"), 200)
    notes = _text(data.get("notes"), "notes", _l("Notes"), 2000, required=False)
    ids = {int(c) for c in data.get("community_ids") or [] if isinstance(c, int) or str(c).isdigit()}
    query = select(Community).where(Community.id.in_(ids)).order_by(Community.id)
    if actor.role is Role.street:
        query = query.where(Community.street_id == actor.street_id)
    communities = list(db.session.scalars(query))
    if not communities or len(communities) != len(ids):
        raise ValidationError(_l("Invite at least one community (a street invites its own communities)."),
                              field="community_ids")
    meeting = OrderingMeeting(
        code=meeting_code(), title=title, starts_at=starts_at, place=place, notes=notes,
        street_id=actor.street_id if actor.role is Role.street else None, created_by_id=actor.id,
        orders_close_at=starts_at + timedelta(days=rules.get_rule("ordering.order_window_days")),
        submission_key=submission_key, status=MeetingStatus.scheduled)
    meeting.communities = communities
    db.session.add(meeting)
    db.session.flush()
    audit.append(actor, "meeting.scheduled", meeting, {
        "code": meeting.code, "title": title, "starts_at": starts_at.isoformat(), "place": place,
        "communities": [c.id for c in communities]})
    secretaries = db.session.scalars(select(User).where(User.role == Role.secretary,
                                                        User.community_id.in_([c.id for c in communities])))
    notify.notify(secretaries, "meeting.invited", {"code": meeting.code, "title": title,
                                                   "date": starts_at.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")},
                  f"/meetings/{meeting.code}")
    return meeting


def present(actor: User, meeting: OrderingMeeting, item: ServiceItem | None, slot_at: Any, minutes: Any,
            capacity: Any) -> MeetingItem:
    """Put a listed item on the meeting's programme: its roadshow slot and the capacity offered."""
    permissions.require(actor, "meeting.manage", meeting)
    if clock.now() >= meeting.starts_at:
        raise InvalidTransition(_l("The meeting has started; its programme can no longer change."))
    if item is None:
        raise ValidationError(_l("Choose a listed service item."), field="item_code")
    if item.status is not ServiceStatus.listed:
        raise ValidationError(_l("%(code)s is not listed (%(status)s); only listed items are presented.",
                                 code=item.code, status=item.status.label), field="item_code")
    slot_at = _aware(slot_at, "slot_at", _l("Roadshow slot"))
    if not meeting.starts_at <= slot_at <= meeting.starts_at + timedelta(hours=12):
        raise ValidationError(_l("The roadshow slot must fall within the meeting (from its start, the same day)."),
                              field="slot_at")
    minutes = _whole(minutes, "slot_minutes", _l("The roadshow lasts 1 to 120 minutes."), 1, 120)
    capacity = _whole(capacity, "capacity", _l(
        "The capacity offered is a whole number from 1 to the item's monthly capacity (%(n)s).",
        n=item.monthly_capacity), 1, item.monthly_capacity)
    if db.session.scalar(select(MeetingItem.id).where(MeetingItem.meeting_id == meeting.id,
                                                      MeetingItem.item_id == item.id)):
        raise ValidationError(_l("%(code)s is already on the programme.", code=item.code), field="item_code")
    row = MeetingItem(meeting_id=meeting.id, item_id=item.id, slot_at=slot_at, slot_minutes=minutes,
                      capacity=capacity)
    db.session.add(row)
    db.session.flush()
    audit.append(actor, "meeting.item_presented", meeting, {"code": meeting.code, "item": item.code,
                                                            "slot_at": slot_at.isoformat(), "capacity": capacity})
    notify.notify(db.session.scalars(select(User).where(User.organization_id == item.organization_id)),
                  "meeting.presenting", {"code": meeting.code, "item": item.name,
                                         "date": slot_at.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")},
                  f"/meetings/{meeting.code}")
    return row


def cancel(actor: User, meeting: OrderingMeeting, reason: str) -> None:
    permissions.require(actor, "meeting.manage", meeting)
    if clock.now() >= meeting.starts_at:
        raise InvalidTransition(_l("The meeting has started; it can no longer be cancelled."))
    reason = _text(reason, "reason", _l("Reason"), 500)
    meeting.status, meeting.cancel_reason = MeetingStatus.cancelled, reason
    audit.append(actor, "meeting.cancelled", meeting, {"code": meeting.code, "reason": reason})


def phase(meeting: OrderingMeeting) -> str:
    """cancelled | before | ordering | closed — what the meeting allows now."""
    if meeting.status is MeetingStatus.cancelled:
        return "cancelled"
    now = clock.now()
    if now < meeting.starts_at:
        return "before"
    return "ordering" if now <= meeting.orders_close_at else "closed"


def invited(meeting: OrderingMeeting, community_id: int | None) -> bool:
    return community_id is not None and any(c.id == community_id for c in meeting.communities)


# --- shortlists --------------------------------------------------------------------------------------

def toggle_shortlist(actor: User, row: MeetingItem) -> bool:
    """A secretary puts a presented item on (or off) the community's shortlist; True when now on it."""
    permissions.require(actor, "meeting.shortlist", row.meeting)
    if phase(row.meeting) not in ("before", "ordering"):
        raise InvalidTransition(_l("This meeting is closed."))
    mine = db.session.scalar(select(Shortlist).where(Shortlist.meeting_item_id == row.id,
                                                     Shortlist.community_id == actor.community_id))
    if mine is not None:
        db.session.delete(mine)
        audit.append(actor, "meeting.unshortlisted", row.meeting, {"code": row.meeting.code, "item": row.item.code})
        return False
    db.session.add(Shortlist(meeting_item_id=row.id, community_id=actor.community_id, user_id=actor.id))
    audit.append(actor, "meeting.shortlisted", row.meeting, {"code": row.meeting.code, "item": row.item.code})
    return True


def shortlisted_ids(meeting: OrderingMeeting, community_id: int | None) -> set[int]:
    if community_id is None:
        return set()
    return set(db.session.scalars(select(Shortlist.meeting_item_id).join(MeetingItem).where(
        MeetingItem.meeting_id == meeting.id, Shortlist.community_id == community_id)))


# --- eligibility and capacity ------------------------------------------------------------------------

def org_refusals(org: Organization, commissioned: bool) -> list[str]:
    """Why this organization cannot take an order now (empty: it can). The grade's concurrent limit
    counts only for an order that would become a commissioned project."""
    found: list[str] = []
    if org.status is not VerificationStatus.verified:
        found.append(str(_l("%(org)s is not a verified organization.", org=org.name)))
    for entry in standing.active_national_entries(org):
        found.append(str(_l("%(org)s is listed on the %(list)s since %(d)s (source: %(s)s).", org=org.name,
                            list=entry.kind.label, d=entry.listed_on, s=entry.source)))
    black = standing.active_black(org.id)
    if black is not None:
        found.append(str(_l("%(org)s is on the platform black list (红黑榜 %(code)s) until %(d)s.", org=org.name,
                            code=black.period.code, d=black.ban_until)))
    if commissioned:
        limit, carried = standing.capacity_limit(org), standing.active_projects(org)
        if carried >= limit:
            found.append(str(_l(
                "Capacity limit (资源限流): %(org)s's grade allows %(n)s project(s) at a time and it carries %(c)s.",
                org=org.name, n=limit, c=carried)))
    return found


def months_of(starts_on: date, months: int) -> list[tuple[int, int]]:
    out = []
    year, month = starts_on.year, starts_on.month
    for _ in range(months):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def first_of_next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def taken_at_meeting(row: MeetingItem, except_id: int | None = None) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(ServiceOrder.quantity), 0)).where(
        ServiceOrder.meeting_item_id == row.id, ServiceOrder.status.in_(LIVE),
        ServiceOrder.id != (except_id or 0))) or 0


def monthly_load(item: ServiceItem, except_id: int | None = None) -> dict[tuple[int, int], int]:
    """Units a month already promised by the item's live orders (placed or accepted), month by month."""
    load: dict[tuple[int, int], int] = {}
    for order in db.session.scalars(select(ServiceOrder).where(
            ServiceOrder.item_id == item.id, ServiceOrder.status.in_(LIVE), ServiceOrder.id != (except_id or 0))):
        for month in months_of(order.starts_on, order.months):
            load[month] = load.get(month, 0) + order.quantity
    return load


def capacity_refusals(row: MeetingItem, quantity: int, starts_on: date, months: int,
                      except_id: int | None = None) -> list[str]:
    found: list[str] = []
    left = row.capacity - taken_at_meeting(row, except_id)
    if quantity > left:
        found.append(str(_l("Over capacity: %(left)s %(unit)s a month is left of the %(cap)s offered at this "
                            "meeting; you asked for %(q)s.", left=max(left, 0), unit=row.item.price_unit,
                            cap=row.capacity, q=quantity)))
    load = monthly_load(row.item, except_id)
    for year, month in months_of(starts_on, months):
        used = load.get((year, month), 0)
        if used + quantity > row.item.monthly_capacity:
            found.append(str(_l("Over the item's monthly capacity in %(y)s-%(m)02d: %(used)s of %(cap)s %(unit)s "
                                "already ordered; you asked for %(q)s.", y=year, m=month, used=used,
                                cap=row.item.monthly_capacity, unit=row.item.price_unit, q=quantity)))
            break
    return found


def _locked_item(item_id: int) -> ServiceItem:
    """The item's row, locked for the rest of the transaction: concurrent orders on it queue here."""
    return db.session.scalar(select(ServiceItem).where(ServiceItem.id == item_id).with_for_update()
                             .execution_options(populate_existing=True))


# --- orders ------------------------------------------------------------------------------------------

def parse_budget(value: Any) -> Decimal:
    try:
        budget = Decimal(str(value).strip().replace(",", "").replace("，", "")) if value not in (None, "") else None
    except InvalidOperation:
        budget = None
    if budget is None or not budget.is_finite() or budget <= 0 or budget >= MAX_BUDGET:
        raise ValidationError(_l("The budget must be a positive number of yuan."), field="budget")
    if budget != budget.quantize(Decimal("0.01")):
        raise ValidationError(_l("The budget has at most two decimals (fen)."), field="budget")
    return budget


def suggested_budget(item: ServiceItem, quantity: int, months: int) -> Decimal:
    return (Decimal(item.price) * quantity * months).quantize(Decimal("0.01"))


def commission_limit() -> Decimal:
    return Decimal(str(rules.get_rule("ordering.direct_commission_limit")))


def open_needs(community_id: int) -> list[Need]:
    """The community's needs an order may answer: not yet in a project, not rejected or merged."""
    return list(db.session.scalars(select(Need).where(Need.community_id == community_id,
                                                      Need.status.in_(OPEN_NEED_STATES)).order_by(Need.id.desc())))


def place(actor: User, row: MeetingItem, data: dict[str, Any], submission_key: str | None = None) -> ServiceOrder:
    """A secretary orders a presented item for the community (at or after the meeting)."""
    if submission_key:
        earlier = db.session.scalar(select(ServiceOrder).where(ServiceOrder.submission_key == submission_key))
        if earlier is not None:
            return earlier
    meeting = row.meeting
    permissions.require(actor, "meeting.order", meeting)
    now_phase = phase(meeting)
    if now_phase == "before":
        raise InvalidTransition(_l("Orders open when the meeting starts (%(d)s); until then, shortlist.",
                                   d=meeting.starts_at.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")))
    if now_phase != "ordering":
        raise InvalidTransition(_l("Ordering at this meeting has closed."))
    quantity = _whole(data.get("quantity"), "quantity", _l("The quantity is a whole number of units a month, at "
                                                           "least 1."), 1, 1_000_000)
    months = _whole(data.get("months"), "months", _l("The period is 1 to %(n)s months.", n=MAX_MONTHS), 1,
                    MAX_MONTHS)
    budget = parse_budget(data.get("budget"))
    note = _text(data.get("note"), "note", _l("Note"), 1000, required=False)
    need_ids = {int(n) for n in data.get("need_ids") or [] if isinstance(n, int) or str(n).isdigit()}
    chosen = list(db.session.scalars(select(Need).where(Need.id.in_(need_ids)))) if need_ids else []
    if len(chosen) != len(need_ids) or any(n.community_id != actor.community_id or n.status not in OPEN_NEED_STATES
                                           for n in chosen):
        raise ValidationError(_l("Choose needs of your community that are not yet in a project."), field="need_ids")
    item = _locked_item(row.item_id)
    if item.status is not ServiceStatus.listed:
        raise InvalidTransition(_l("%(code)s is %(status)s: it takes no orders now.", code=item.code,
                                   status=item.status.label))
    community = db.session.get(Community, actor.community_id)
    if not item.covers(community.street_id):
        raise InvalidTransition(_l("%(code)s does not cover %(street)s.", code=item.code, street=community.street.name))
    commissioned = budget <= commission_limit()
    refusals = org_refusals(item.organization, commissioned) + capacity_refusals(
        row, quantity, first_of_next_month(clock.today()), months)
    if refusals:
        raise InvalidTransition(refusals[0])
    order = ServiceOrder(code=order_code(), meeting_id=meeting.id, meeting_item_id=row.id, item_id=item.id,
                         organization_id=item.organization_id, community_id=community.id, placed_by_id=actor.id,
                         quantity=quantity, months=months, starts_on=first_of_next_month(clock.today()),
                         budget=budget, note=note, status=OrderStatus.placed, submission_key=submission_key)
    order.needs = chosen
    db.session.add(order)
    db.session.flush()
    audit.append(actor, "order.placed", order, {
        "code": order.code, "meeting": meeting.code, "item": item.code, "organization": item.organization.name,
        "community": community.name, "quantity": quantity, "months": months, "budget": str(budget),
        "needs": [n.code for n in chosen], "note": note})
    notify.notify(db.session.scalars(select(User).where(User.organization_id == item.organization_id)),
                  "order.placed", {"code": order.code, "item": item.name, "community": community.name},
                  f"/orders/{order.code}")
    return order


def _decidable(actor: User, order: ServiceOrder, action: str) -> ServiceOrder:
    permissions.require(actor, action, order)
    locked = db.session.scalar(select(ServiceOrder).where(ServiceOrder.id == order.id).with_for_update()
                               .execution_options(populate_existing=True))
    if locked.status is not OrderStatus.placed:
        raise InvalidTransition(_l("Order %(code)s is already %(status)s.", code=order.code,
                                   status=locked.status.label))
    return locked


def decline(actor: User, order: ServiceOrder, reason: str) -> None:
    order = _decidable(actor, order, "order.decide")
    reason = _text(reason, "reason", _l("Reason"), 500)
    order.status, order.decision_reason = OrderStatus.declined, reason
    order.decided_at, order.decided_by_id = clock.now(), actor.id
    audit.append(actor, "order.declined", order, {"code": order.code, "reason": reason})
    notify.notify([db.session.get(User, order.placed_by_id)], "order.decided",
                  {"code": order.code, "status": order.status.value}, f"/orders/{order.code}")


def cancel_order(actor: User, order: ServiceOrder, reason: str) -> None:
    """The community takes back an order the organization has not answered yet."""
    order = _decidable(actor, order, "order.cancel")
    reason = _text(reason, "reason", _l("Reason"), 500)
    order.status, order.decision_reason = OrderStatus.cancelled, reason
    audit.append(actor, "order.cancelled", order, {"code": order.code, "reason": reason})


def accept(actor: User, order: ServiceOrder) -> Project:
    """The organization accepts: within the limit a commissioned project in delivery, above it a draft
    project for the street. Capacity and eligibility are checked again under the item's and the
    organization's locks, so concurrent acceptances cannot both pass."""
    from marketplace.domain.tender import awards, projects  # the tender stage sits above the supply side

    order = _decidable(actor, order, "order.decide")
    item = _locked_item(order.item_id)
    org = db.session.scalar(select(Organization).where(Organization.id == order.organization_id).with_for_update()
                            .execution_options(populate_existing=True))
    commissioned = order.budget <= commission_limit()
    if item.status is not ServiceStatus.listed:
        raise InvalidTransition(_l("%(code)s is %(status)s: resume it before accepting orders.", code=item.code,
                                   status=item.status.label))
    refusals = org_refusals(org, commissioned) + capacity_refusals(order.meeting_item, order.quantity,
                                                                   order.starts_on, order.months, order.id)
    if refusals:
        raise InvalidTransition(refusals[0])
    for need in order.needs:
        if need.status not in OPEN_NEED_STATES:
            raise InvalidTransition(_l("Need %(code)s is already in a project; the community must order again.",
                                       code=need.code))
    community = order.community
    now = clock.now()
    title = f"{community.name}·{item.name}"[:100]
    unit = item.price_unit
    outputs = str(_l("%(q)s %(unit)s a month for %(m)s months (%(item)s)", q=order.quantity, unit=unit,
                     m=order.months, item=item.code))
    project = Project(code=codes.project_code(), title=title, scope=item.description, outputs=outputs,
                      budget_cap=order.budget, category_id=item.category_id, street_id=community.street_id,
                      regime=Regime.community_fund, criteria=projects.default_criteria(Regime.community_fund),
                      created_by_id=actor.id, status=ProjectStatus.draft)
    project.communities = [community]
    if commissioned:
        project.bid_deadline, project.qa_deadline = now, now - timedelta(seconds=1)
    else:
        days = rules.get_rule("project.bid_window_min_days") + 7
        project.bid_deadline = now + timedelta(days=days)
        project.qa_deadline = project.bid_deadline - timedelta(days=rules.get_rule("project.qa_close_days") + 1)
    project.search_text = search.tokens(project.title, project.scope, project.outputs)
    db.session.add(project)
    db.session.flush()
    for need in order.needs:
        need.status, need.project_id = NeedStatus.in_project, project.id
        audit.append(actor, "need.in_project", need, {"project": project.code})
    order.status, order.decided_at, order.decided_by_id = OrderStatus.accepted, now, actor.id
    order.project_id = project.id
    order.outcome = OrderOutcome.commissioned if commissioned else OrderOutcome.draft_project
    if commissioned:
        reason = str(_l("Direct commission (直接委托) from order %(order)s at 点单会 %(meeting)s, within the limit "
                        "of %(limit)s yuan.", order=order.code, meeting=order.meeting.code, limit=commission_limit()))
        awards.commission(db.session.get(User, order.placed_by_id), project, org, order.budget,
                          f"{item.name}: {outputs}", reason, months=order.months)
    else:
        audit.append(actor, "project.drafted", project, {
            "needs": [n.code for n in order.needs], "budget_cap": str(project.budget_cap),
            "criteria": project.criteria, "regime": project.regime.value, "order": order.code})
        officers = db.session.scalars(select(User).where(User.role == Role.street,
                                                         User.street_id == community.street_id))
        notify.notify(officers, "order.draft_project", {"code": project.code, "order": order.code},
                      f"/projects/{project.code}")
    audit.append(actor, "order.accepted", order, {"code": order.code, "outcome": order.outcome.value,
                                                  "project": project.code})
    notify.notify([db.session.get(User, order.placed_by_id)], "order.decided",
                  {"code": order.code, "status": order.status.value}, f"/orders/{order.code}")
    if not commissioned:
        notify.notify(db.session.scalars(select(User).where(User.organization_id == org.id)), "order.invited",
                      {"code": project.code, "order": order.code}, f"/orders/{order.code}")
    return project


def invited_org_ids(project: Project) -> set[int]:
    """Organizations whose accepted orders became this draft project: invited when it is published."""
    return set(db.session.scalars(select(ServiceOrder.organization_id).where(
        ServiceOrder.project_id == project.id, ServiceOrder.outcome == OrderOutcome.draft_project)))


def order_for_project(project_id: int) -> ServiceOrder | None:
    return db.session.scalar(select(ServiceOrder).where(ServiceOrder.project_id == project_id)
                             .options(joinedload(ServiceOrder.meeting)))


# --- reading -----------------------------------------------------------------------------------------

def meetings_query():
    return select(OrderingMeeting).options(joinedload(OrderingMeeting.street)).order_by(
        OrderingMeeting.starts_at.desc())


def programme(meeting: OrderingMeeting) -> list[MeetingItem]:
    return list(db.session.scalars(select(MeetingItem).where(MeetingItem.meeting_id == meeting.id).options(
        joinedload(MeetingItem.item).joinedload(ServiceItem.organization),
        joinedload(MeetingItem.item).joinedload(ServiceItem.category)).order_by(MeetingItem.slot_at, MeetingItem.id)))


def orders_of(meeting: OrderingMeeting) -> list[ServiceOrder]:
    return list(db.session.scalars(select(ServiceOrder).where(ServiceOrder.meeting_id == meeting.id).options(
        joinedload(ServiceOrder.item), joinedload(ServiceOrder.organization),
        joinedload(ServiceOrder.community).joinedload(Community.street), joinedload(ServiceOrder.project),
        selectinload(ServiceOrder.needs)).order_by(ServiceOrder.id)))


def orders_for_org(org_id: int) -> list[ServiceOrder]:
    return list(db.session.scalars(select(ServiceOrder).where(ServiceOrder.organization_id == org_id).options(
        joinedload(ServiceOrder.item), joinedload(ServiceOrder.community), joinedload(ServiceOrder.meeting),
        joinedload(ServiceOrder.project)).order_by(ServiceOrder.status != OrderStatus.placed, ServiceOrder.id.desc())))


@dataclass
class Left:
    at_meeting: int
    offered: int


def left_at_meeting(rows: list[MeetingItem]) -> dict[int, Left]:
    """Capacity left of each presented item at its meeting (one query)."""
    if not rows:
        return {}
    taken = dict(db.session.execute(select(ServiceOrder.meeting_item_id, func.sum(ServiceOrder.quantity)).where(
        ServiceOrder.meeting_item_id.in_([r.id for r in rows]), ServiceOrder.status.in_(LIVE))
        .group_by(ServiceOrder.meeting_item_id)).all())
    return {r.id: Left(r.capacity - int(taken.get(r.id) or 0), r.capacity) for r in rows}


ACTION_LABELS = {
    "order.placed": _l("Ordered by the community"),
    "order.accepted": _l("Accepted by the organization"),
    "order.declined": _l("Declined by the organization"),
    "order.cancelled": _l("Cancelled by the community"),
}


@audit.row_document("service_orders")
def _order_row(row: ServiceOrder) -> dict[str, Any]:
    return audit.columns_document(row, exclude=("note", "submission_key"))
