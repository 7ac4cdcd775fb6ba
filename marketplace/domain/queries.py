"""Read-side queries for the lists (public and staff): filters, search, eager loading, so each
page runs a fixed number of queries whatever the data size."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.domain.core import permissions, search
from marketplace.models import Community, Need, NeedStatus, Project, ProjectStatus


def _int(value: Any) -> int | None:
    try:
        number = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and abs(number) <= 2**31 - 1 else None  # the database's integer


def _money(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None
    return amount if amount is not None and amount.is_finite() and abs(amount) < 10**12 else None


def need_filters(args: Any) -> dict[str, Any]:
    status = args.get("status") or ""
    return {"street": _int(args.get("street")), "community": _int(args.get("community")),
            "category": _int(args.get("category")),
            "status": status if status in NeedStatus._value2member_map_ else "",
            "q": (args.get("q") or "").strip()[:64]}


def needs(user: Any, f: dict[str, Any]) -> Select[Any]:
    query = permissions.needs_query(user).join(Need.community).options(
        joinedload(Need.community).joinedload(Community.street), joinedload(Need.category))
    if f["street"]:
        query = query.where(Community.street_id == f["street"])
    if f["community"]:
        query = query.where(Need.community_id == f["community"])
    if f["category"]:
        query = query.where(Need.category_id == f["category"])
    if f["status"]:
        query = query.where(Need.status == NeedStatus(f["status"]))
    if f["q"]:
        clause = search.matches(Need, f["q"])
        if clause is not None:
            query = query.where(clause)
    return query.order_by(Need.id.desc())


def project_filters(args: Any) -> dict[str, Any]:
    status = args.get("status") or ""
    return {"street": _int(args.get("street")), "category": _int(args.get("category")),
            "community": _int(args.get("community")),
            "status": status if status in ProjectStatus._value2member_map_ else "",
            "budget_min": _money(args.get("budget_min")), "budget_max": _money(args.get("budget_max")),
            "q": (args.get("q") or "").strip()[:64]}


def projects(user: Any, f: dict[str, Any]) -> Select[Any]:
    query = permissions.projects_query(user).options(
        joinedload(Project.street), joinedload(Project.category), selectinload(Project.communities))
    if f["street"]:
        query = query.where(Project.street_id == f["street"])
    if f["category"]:
        query = query.where(Project.category_id == f["category"])
    if f["community"]:
        query = query.where(Project.communities.any(Community.id == f["community"]))
    if f["status"]:
        query = query.where(Project.status == ProjectStatus(f["status"]))
    if f["budget_min"] is not None:
        query = query.where(Project.budget_cap >= f["budget_min"])
    if f["budget_max"] is not None:
        query = query.where(Project.budget_cap <= f["budget_max"])
    if f["q"]:
        clause = search.matches(Project, f["q"])
        if clause is not None:
            query = query.where(clause)
    return query.order_by(Project.id.desc())


def need_by_code(code: str) -> Select[Any]:
    return select(Need).where(Need.code == code).options(
        joinedload(Need.community).joinedload(Community.street), joinedload(Need.category),
        selectinload(Need.reviews), selectinload(Need.photos))


def project_by_code(user: Any, code: str) -> Select[Any]:
    return permissions.projects_query(user).where(Project.code == code).options(
        joinedload(Project.street), joinedload(Project.category), selectinload(Project.communities),
        selectinload(Project.needs), selectinload(Project.questions))
