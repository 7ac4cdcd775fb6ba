"""Read-side queries for the lists (public and staff): filters, search, eager loading, so each
page runs a fixed number of queries whatever the data size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, and_, func, select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from marketplace.domain.core import permissions, search
from marketplace.domain.supply import catalogue
from marketplace.extensions import db
from marketplace.models import (
    Community,
    Need,
    NeedStatus,
    Organization,
    Project,
    ProjectStatus,
    ServiceItem,
    ServiceStatus,
)


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


# A list's total is counted exactly up to this many rows; beyond, the page says "more than 1,000"
# (counting a whole large table on every request is what made the lists slow at city size).
COUNT_CAP = 1_000


@dataclass
class Page:
    """One page of a list (what `db.paginate` gave the templates, with a total that may be capped)."""
    items: list[Any]
    page: int
    per_page: int
    total: int | None  # exact, or None when there are more than `cap` rows
    has_next: bool
    cap: int = COUNT_CAP
    # keyset links: set when the list is ordered by id alone (the pager then links with ?after= / ?before=)
    first_id: int | None = None
    last_id: int | None = None

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _key_order(query: Select[Any], entity: Any) -> tuple[list[Any], bool] | None:
    """(the columns before the id, newest first?) when the query is ordered by columns of the entity
    ending with its id, all in one direction — (name, id) as well as id alone — else None. (The
    columns before the id must never be NULL: a row comparison with NULL finds nothing.)"""
    clauses = list(query._order_by_clauses)
    if not clauses:
        return None
    directions, columns = set(), []
    for clause in clauses:
        name = getattr(getattr(clause, "modifier", None), "__name__", "asc_op")
        element = getattr(clause, "element", clause) if name in ("asc_op", "desc_op") else clause
        if getattr(element, "table", None) is not entity.__table__:
            return None
        directions.add(name == "desc_op")
        columns.append(element)
    if len(directions) != 1 or columns[-1].key != "id" or any(c.key == "id" for c in columns[:-1]):
        return None
    return columns[:-1], directions.pop()


def _beyond(entity: Any, lead: list[Any], values: Sequence[Any], key: int, greater: bool) -> Any:
    """The rows after (`greater`) or before the key (lead values, id) in the list's order."""
    if not lead:
        return entity.id > key if greater else entity.id < key
    row, mark = tuple_(*lead, entity.id), tuple_(*values, key)
    first = lead[0] >= values[0] if greater else lead[0] <= values[0]  # (walks the leading column's index)
    return and_(first, row > mark if greater else row < mark)


def paginate(query: Select[Any], page: int, per_page: int, options: Sequence[Any] = (),
             cap: int = COUNT_CAP, total: int | None = None,
             cursor: tuple[str, int] | None = None) -> Page:
    """A page of an ORM select of one entity, in a bounded number of queries whatever the table's size:

    1. the page's ids (`per_page + 1`, to know whether a next page exists) — only the key is read, so
       a deep page walks an index instead of building tens of thousands of joined rows;
    2. those rows, with the eager `options`, in one query;
    3. the total, counted up to `cap` rows (unless the caller already knows it).

    Keyset: when the list is ordered by id alone, or by columns ending with the id in one direction
    (organizations by name, id), `cursor` ("after", id) or ("before", id) — what the pager's links
    carry next to ?page= — starts the page at that key (the row's other columns read by its id)
    instead of skipping `OFFSET` rows, so following the links to page 2,000 costs what page 2
    costs. Without it (a typed ?page=N) the ids are skipped by offset."""
    entity = query.column_descriptions[0]["entity"]
    order = _key_order(query, entity)
    keys = query.with_only_columns(entity.id)
    values: Sequence[Any] | None = ()
    if order is not None and cursor is not None and page > 1 and order[0]:
        values = db.session.execute(select(*order[0]).where(entity.id == cursor[1])).first()
    if order is not None and cursor is not None and page > 1 and values is not None:
        lead, newest_first = order
        direction, key = cursor
        forward = direction == "after"
        if forward:
            keys = keys.where(_beyond(entity, lead, values, key, greater=not newest_first))
        else:  # the page before: the nearest keys on the other side, read backwards, then put in order
            keys = keys.where(_beyond(entity, lead, values, key, greater=newest_first)).order_by(None).order_by(
                *[c.asc() if newest_first else c.desc() for c in [*lead, entity.id]])
        ids = list(db.session.scalars(keys.limit(per_page + 1)))
        if forward:
            has_next = len(ids) > per_page
            ids = ids[:per_page]
        else:
            ids = ids[:per_page][::-1]
            has_next = True
    else:
        ids = list(db.session.scalars(keys.limit(per_page + 1).offset((page - 1) * per_page)))
        has_next = len(ids) > per_page
        ids = ids[:per_page]
    items: list[Any] = []
    if ids:
        found = {row.id: row for row in db.session.scalars(
            select(entity).where(entity.id.in_(ids)).options(*options)).unique()}
        items = [found[i] for i in ids if i in found]
    if total is None:
        bounded = query.with_only_columns(entity.id).order_by(None).limit(cap + 1).subquery()
        counted = db.session.scalar(select(func.count()).select_from(bounded)) or 0
        total = counted if counted <= cap else None
    keyed = order is not None and bool(ids)
    return Page(items=items, page=page, per_page=per_page, total=total, has_next=has_next, cap=cap,
                first_id=ids[0] if keyed else None, last_id=ids[-1] if keyed else None)


def need_filters(args: Any) -> dict[str, Any]:
    status = args.get("status") or ""
    return {"street": _int(args.get("street")), "community": _int(args.get("community")),
            "category": _int(args.get("category")),
            "status": status if status in NeedStatus._value2member_map_ else "",
            "q": (args.get("q") or "").strip()[:64]}


# what a row of the needs list (and its export) shows
NEED_ROWS = (joinedload(Need.community).joinedload(Community.street), joinedload(Need.category))


def needs(user: Any, f: dict[str, Any]) -> Select[Any]:
    """The needs a list shows, filtered, newest first (no eager loads: add `NEED_ROWS` to read rows)."""
    query = permissions.needs_query(user)
    if f["street"]:
        query = query.join(Need.community).where(Community.street_id == f["street"])
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


# what a row of the projects list (and its export) shows
PROJECT_ROWS = (joinedload(Project.street), joinedload(Project.category), selectinload(Project.communities))


def projects(user: Any, f: dict[str, Any]) -> Select[Any]:
    """The projects a list shows, filtered, newest first (no eager loads: add `PROJECT_ROWS` to read rows)."""
    query = permissions.projects_query(user)
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


# --- 资源清单 ---------------------------------------------------------------------------------------

def service_filters(args: Any) -> dict[str, Any]:
    grade = _int(args.get("grade"))
    return {"street": _int(args.get("street")), "category": _int(args.get("category")),
            "price_min": _money(args.get("price_min")), "price_max": _money(args.get("price_max")),
            "grade": grade if grade in (1, 2, 3, 4, 5) else None,
            "credit": _money(args.get("credit")), "organization": _int(args.get("organization")),
            "q": (args.get("q") or "").strip()[:64]}


def services(f: dict[str, Any]) -> Select[Any]:
    """The public 资源清单: listed items (paused ones too, marked), newest first."""
    query = (select(ServiceItem).join(Organization, ServiceItem.organization_id == Organization.id)
             .where(ServiceItem.status.in_((ServiceStatus.listed, ServiceStatus.paused)))
             .options(joinedload(ServiceItem.organization), joinedload(ServiceItem.category),
                      selectinload(ServiceItem.streets)))
    if f["street"]:
        query = query.where(catalogue.covers_clause(f["street"]))
    if f["category"]:
        query = query.where(ServiceItem.category_id == f["category"])
    if f["organization"]:
        query = query.where(ServiceItem.organization_id == f["organization"])
    if f["price_min"] is not None:
        query = query.where(ServiceItem.price >= f["price_min"])
    if f["price_max"] is not None:
        query = query.where(ServiceItem.price <= f["price_max"])
    if f["grade"]:
        query = query.where(catalogue.effective_grade_clause(f["grade"]))
    if f["credit"] is not None:
        org_ids = set(db.session.scalars(select(ServiceItem.organization_id).where(
            ServiceItem.status.in_((ServiceStatus.listed, ServiceStatus.paused))).distinct()))
        scores = catalogue.credit_scores(org_ids)
        query = query.where(ServiceItem.organization_id.in_(
            [i for i, s in scores.items() if s is not None and s >= f["credit"]] or [0]))
    if f["q"]:
        clause = search.matches(ServiceItem, f["q"])
        if clause is not None:
            query = query.where(clause)
    return query.order_by(ServiceItem.id.desc())
