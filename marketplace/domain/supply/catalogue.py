"""资源清单: organizations' service items (服务项目).

Life of an item: draft → submitted → listed by the district (or returned with a reason, corrected and
submitted again) → paused ⇄ listed → retired. Nothing is ever deleted: a retired item stays on its
page with its history. Every operation checks permission and state, mutates, flushes and appends to
the audit chain (edits with the old and new values); the caller commits.

The track record an item shows — the organization's projects in the item's category with their 考榜
grades, its credit score, rating grade and list standing — is computed here from the platform's own
records, never typed in by the organization."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.domain.core import audit, clock, codes, permissions, search, uploads
from marketplace.domain.core.errors import InvalidTransition, ValidationError, free_text, labelled_text
from marketplace.domain.credit import ledger
from marketplace.domain.orgs import standing
from marketplace.extensions import db
from marketplace.models import (
    Bid,
    BidStatus,
    Category,
    CreditEvent,
    Evaluation,
    Organization,
    PriceBasis,
    Project,
    Role,
    ServiceItem,
    ServiceItemPhoto,
    ServiceStatus,
    Street,
    User,
    VerificationStatus,
)

FIELDS = ("name", "category_id", "description", "audience", "whole_district", "price", "price_basis",
          "price_unit", "monthly_capacity", "team")
LIMITS = {"name": 100, "description": 3000, "audience": 200, "price_unit": 20, "team": 2000}
MAX_PRICE = Decimal(10) ** 10
MAX_CAPACITY = 1_000_000
STREET_SEPARATORS = re.compile(r"[;；,，、\s]+")
WHOLE_DISTRICT = "全区"
UPLOAD_KIND = "services"


def _existing(key: str | None) -> ServiceItem | None:
    if not key:
        return None
    return db.session.scalar(select(ServiceItem).where(ServiceItem.submission_key == key))


# --- validation -----------------------------------------------------------------------------------

def _text(data: dict[str, Any], key: str, label: Any, required: bool = True) -> str | None:
    return labelled_text(data.get(key), key, label, LIMITS[key], required)


def parse_price(value: Any) -> Decimal:
    try:
        price = Decimal(str(value).strip().replace(",", "").replace("，", "")) if value not in (None, "") else None
    except InvalidOperation:
        price = None
    if price is None or not price.is_finite() or price <= 0 or price >= MAX_PRICE:
        raise ValidationError(_l("The reference price must be a positive number of yuan."), field="price")
    if price != price.quantize(Decimal("0.01")):
        raise ValidationError(_l("The reference price has at most two decimals (fen)."), field="price")
    return price


def parse_capacity(value: Any) -> int:
    try:
        number = int(str(value).strip()) if value not in (None, "") and not isinstance(value, bool) else None
    except ValueError:
        try:
            as_decimal = Decimal(str(value).strip())
            number = int(as_decimal) if as_decimal.is_finite() and as_decimal == int(as_decimal) else None
        except (InvalidOperation, ValueError, OverflowError):
            number = None
    if number is None or number <= 0 or number > MAX_CAPACITY:
        raise ValidationError(_l("The monthly capacity must be a whole number above 0 (at most %(n)s).",
                                 n=f"{MAX_CAPACITY:,}"), field="monthly_capacity")
    return number


def clean(data: dict[str, Any]) -> tuple[dict[str, Any], list[Street]]:
    """The item's fields as stored, and the streets it covers; a ValidationError names the first problem."""
    out: dict[str, Any] = {
        "name": _text(data, "name", _l("Service name")),
        "description": _text(data, "description", _l("What is delivered")),
        "audience": _text(data, "audience", _l("Who it is for")),
        "price_unit": _text(data, "price_unit", _l("Price unit")),
        "team": _text(data, "team", _l("Team and qualifications"), required=False),
    }
    category = db.session.get(Category, data.get("category_id") or 0) if isinstance(
        data.get("category_id"), int) else None
    if category is None:
        raise ValidationError(_l("Choose the service category."), field="category_id")
    out["category_id"] = category.id
    out["price"] = parse_price(data.get("price"))
    basis = data.get("price_basis") or PriceBasis.per_unit
    try:
        out["price_basis"] = PriceBasis(basis)
    except ValueError:
        raise ValidationError(_l("Say whether the price is per unit or per period."), field="price_basis") from None
    out["monthly_capacity"] = parse_capacity(data.get("monthly_capacity"))
    out["whole_district"] = bool(data.get("whole_district"))
    street_ids = [int(s) for s in data.get("street_ids") or [] if isinstance(s, int) or str(s).isdigit()]
    streets = [] if out["whole_district"] else list(db.session.scalars(
        select(Street).where(Street.id.in_(street_ids)).order_by(Street.id)))
    if not out["whole_district"] and not streets:
        raise ValidationError(_l("Choose the streets the service covers, or the whole district."), field="street_ids")
    return out, streets


def _tokens(item: ServiceItem) -> str:
    return search.tokens(item.name, item.description, item.audience, item.organization.name
                         if item.organization else None)


def _snapshot(item: ServiceItem) -> dict[str, Any]:
    return {"name": item.name, "category": item.category_id, "description": item.description,
            "audience": item.audience, "whole_district": item.whole_district,
            "streets": [s.id for s in item.streets], "price": f"{Decimal(item.price):.2f}", "price_basis": item.price_basis.value,
            "price_unit": item.price_unit, "monthly_capacity": item.monthly_capacity, "team": item.team}


def _attach(item: ServiceItem, photos: list[Any] | None, brochure: Any | None) -> dict[str, int]:
    """Check every file before storing any (all or nothing)."""
    checked = uploads.read_images(photos or [], field="photos")
    if len(item.photos) + len(checked) > current_app.config["MAX_PHOTOS"]:
        raise ValidationError(_l("At most %(n)s photos.", n=current_app.config["MAX_PHOTOS"]), field="photos")
    pdf = None
    if brochure is not None and getattr(brochure, "filename", ""):
        limit = current_app.config["MAX_ATTACHMENT_BYTES"]
        pdf = brochure.read(limit + 1)
        if len(pdf) > limit:
            raise ValidationError(_l("The brochure can be at most %(mb)s MB.", mb=limit // (1024 * 1024)),
                                  field="brochure")
        if not pdf.startswith(b"%PDF-"):
            raise ValidationError(_l("The brochure must be a PDF file."), field="brochure")
        uploads.check_pdf(pdf, field="brochure")
    for data, content_type, ext in checked:
        stored = uploads.store(UPLOAD_KIND, data, content_type, ext)
        item.photos.append(ServiceItemPhoto(stored_name=stored.stored_name, content_type=stored.content_type,
                                            size=stored.size))
    if pdf is not None:
        item.brochure_name = uploads.store(UPLOAD_KIND, pdf, "application/pdf", "pdf").stored_name
    return {"photos": len(checked), "brochure": int(pdf is not None)}


# --- the organization's operations ------------------------------------------------------------------

def create(actor: User, data: dict[str, Any], photos: list[Any] | None = None, brochure: Any = None,
           submission_key: str | None = None) -> ServiceItem:
    """A new item, as a draft of the actor's organization."""
    permissions.require(actor, "service.create")
    earlier = _existing(submission_key)
    if earlier is not None:
        return earlier
    values, streets = clean(data)
    _unique_name(actor.organization_id, values["name"])
    item = ServiceItem(code=service_code(), organization_id=actor.organization_id, created_by_id=actor.id,
                       submission_key=submission_key, status=ServiceStatus.draft, **values)
    item.streets = streets
    db.session.add(item)
    db.session.flush()
    files = _attach(item, photos, brochure)
    item.search_text = _tokens(item)
    audit.append(actor, "service.created", item, {"code": item.code, "status": item.status.value,
                                                  "category": item.category_id, **files,
                                                  "values": _snapshot(item)})
    return item


def service_code() -> str:
    year = clock.today().year
    return f"LCFW-{year}-{codes.next_value(f'service-{year}'):04d}"


def _unique_name(org_id: int, name: str, except_id: int | None = None) -> None:
    clash = db.session.scalar(select(ServiceItem.id).where(
        ServiceItem.organization_id == org_id, ServiceItem.name == name,
        ServiceItem.id != (except_id or 0)))
    if clash is not None:
        raise ValidationError(_l("Your organization already has a service item with this name."), field="name")


def update(actor: User, item: ServiceItem, data: dict[str, Any], photos: list[Any] | None = None,
           brochure: Any = None) -> dict[str, list[Any]]:
    """Change an item's details; the chain keeps the old and new values of every field changed.
    A listed item stays listed: the district sees the change in its history."""
    permissions.require(actor, "service.edit", item)
    values, streets = clean(data)
    _unique_name(item.organization_id, values["name"], item.id)
    before = _snapshot(item)
    for key, value in values.items():
        setattr(item, key, value)
    item.streets = streets
    files = _attach(item, photos, brochure)
    item.search_text = _tokens(item)
    after = _snapshot(item)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes or any(files.values()):
        audit.append(actor, "service.edited", item, {"code": item.code, "status": item.status.value,
                                                     "changes": changes, **files})
    return changes


def _move(actor: User, item: ServiceItem, action: str, to: ServiceStatus, **payload: Any) -> None:
    before = item.status
    item.status = to
    audit.append(actor, f"service.{action}", item, {"code": item.code, "from": before.value, "to": to.value,
                                                   **payload})


def submit(actor: User, item: ServiceItem) -> None:
    """Send a draft (or a returned item, corrected) to the district for listing."""
    permissions.require(actor, "service.submit", item)
    if item.organization.status is not VerificationStatus.verified:
        raise InvalidTransition(_l("Only a verified organization can submit service items; "
                                   "wait for the district's verification."))
    item.submitted_at = clock.now()
    _move(actor, item, "submitted", ServiceStatus.submitted)


def pause(actor: User, item: ServiceItem, reason: str = "") -> None:
    """Stop taking orders for a while; the item stays in the list, marked paused."""
    permissions.require(actor, "service.pause", item)
    _move(actor, item, "paused", ServiceStatus.paused, reason=free_text(reason)[:500])


def resume(actor: User, item: ServiceItem) -> None:
    permissions.require(actor, "service.resume", item)
    if item.organization.status is not VerificationStatus.verified:
        raise InvalidTransition(_l("Only a verified organization can offer service items."))
    _move(actor, item, "resumed", ServiceStatus.listed)


def retire(actor: User, item: ServiceItem, reason: str = "") -> None:
    """The end of an item's life: never deleted, no longer offered, its page and history kept."""
    permissions.require(actor, "service.retire", item)
    item.retired_at = clock.now()
    _move(actor, item, "retired", ServiceStatus.retired, reason=free_text(reason)[:500])


# --- the district's review --------------------------------------------------------------------------

def approve(actor: User, item: ServiceItem) -> None:
    """List a submitted item in the public 资源清单."""
    permissions.require(actor, "service.review", item)
    if item.organization.status is not VerificationStatus.verified:
        raise InvalidTransition(_l("The organization is not verified; its items cannot be listed."))
    item.listed_at, item.return_reason = item.listed_at or clock.now(), None
    _move(actor, item, "listed", ServiceStatus.listed)


def send_back(actor: User, item: ServiceItem, reason: str) -> None:
    """Return a submitted item to its organization with the reason it must address."""
    permissions.require(actor, "service.review", item)
    reason = free_text(reason)
    if not reason:
        raise ValidationError(_l("Give the reason the organization must address."), field="reason")
    if len(reason) > 500:
        raise ValidationError(_l("The reason must be plain text of at most 500 characters."), field="reason")
    item.return_reason = reason
    _move(actor, item, "returned", ServiceStatus.returned, reason=reason)


def review_queue() -> list[ServiceItem]:
    return list(db.session.scalars(select(ServiceItem).where(ServiceItem.status == ServiceStatus.submitted)
                                   .options(joinedload(ServiceItem.organization), joinedload(ServiceItem.category),
                                            selectinload(ServiceItem.streets))
                                   .order_by(ServiceItem.submitted_at, ServiceItem.id)))


# --- reading -------------------------------------------------------------------------------------

PUBLIC_STATES = (ServiceStatus.listed, ServiceStatus.paused, ServiceStatus.retired)


def visible_query(user: Any):
    """Items a user may open: listed, paused and retired ones for everyone; an organization's own
    items whatever their state; all of them for the district administrator."""
    query = select(ServiceItem)
    if permissions.has_role(user, Role.admin):
        return query
    visible = ServiceItem.status.in_(PUBLIC_STATES)
    if permissions.has_role(user, Role.organization):
        visible = visible | (ServiceItem.organization_id == user.organization_id)
    return query.where(visible)


@dataclass
class PastProject:
    code: str
    title: str
    status: Any
    grade: Any
    total: Decimal | None


@dataclass
class TrackRecord:
    """What the platform knows of the organization behind an item."""

    projects: list[PastProject]
    grades: dict[Any, int]
    credit: Decimal | None
    grade: Any
    grade_state: str
    red: bool
    black: Any
    national: list[Any] = field(default_factory=list)


def track_record(item: ServiceItem) -> TrackRecord:
    org = item.organization
    rows = db.session.execute(
        select(Project, Evaluation).join(Bid, Bid.project_id == Project.id)
        .outerjoin(Evaluation, Evaluation.project_id == Project.id)
        .where(Bid.organization_id == org.id, Bid.status == BidStatus.awarded,
               Project.category_id == item.category_id)
        .order_by(Project.id.desc())).all()
    projects = [PastProject(p.code, p.title, p.status, e.grade if e else None, e.total if e else None)
                for p, e in rows]
    grades: dict[Any, int] = defaultdict(int)
    for p in projects:
        if p.grade is not None:
            grades[p.grade] += 1
    now = standing.standing(org)
    return TrackRecord(projects, dict(grades), ledger.score(org.id).value, now.grade, now.grade_state,
                       standing.on_current_red_list(org.id), standing.active_black(org.id), now.national)


def credit_scores(org_ids: set[int] | list[int], on: date | None = None) -> dict[int, Decimal | None]:
    """The credit score of many organizations in one query (the ledger's own formula)."""
    on = on or clock.today()
    ids = set(org_ids)
    if not ids:
        return {}
    events: dict[int, list[CreditEvent]] = defaultdict(list)
    for event in db.session.scalars(select(CreditEvent).where(CreditEvent.organization_id.in_(ids))):
        events[event.organization_id].append(event)
    return {i: ledger.compute(events.get(i, []), on).value for i in ids}


def past_grades(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], list[str]]:
    """考榜 grades of organizations' awarded projects, by (organization, category), in one query."""
    if not pairs:
        return {}
    org_ids = {o for o, _ in pairs}
    out: dict[tuple[int, int], list[str]] = defaultdict(list)
    for org_id, category_id, grade in db.session.execute(
            select(Bid.organization_id, Project.category_id, Evaluation.grade)
            .join(Project, Bid.project_id == Project.id).join(Evaluation, Evaluation.project_id == Project.id)
            .where(Bid.organization_id.in_(org_ids), Bid.status == BidStatus.awarded)):
        if (org_id, category_id) in pairs:
            out[(org_id, category_id)].append(grade.value)
    return out


def effective_grade_clause(minimum: int):
    """SQL: the organization's rating grade is in force today and at least `minimum` (1–5)."""
    today = clock.today()
    allowed = [g for g in standing.Grade if g.rank >= minimum]
    return and_(Organization.grade.in_(allowed), Organization.grade_valid_from <= today,
                Organization.grade_valid_until >= today)


def covers_clause(street_id: int):
    return or_(ServiceItem.whole_district.is_(True), ServiceItem.streets.any(Street.id == street_id))


ACTION_LABELS = {
    "service.created": _l("Created as a draft"),
    "service.edited": _l("Details changed"),
    "service.submitted": _l("Submitted for listing"),
    "service.listed": _l("Listed by the district"),
    "service.returned": _l("Returned by the district"),
    "service.paused": _l("Paused"),
    "service.resumed": _l("Listed again"),
    "service.retired": _l("Retired"),
    "service.imported": _l("Imported from the district's list and listed"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
