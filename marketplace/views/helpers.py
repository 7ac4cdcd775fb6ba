from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import abort, request
from flask_login import current_user
from sqlalchemy import Select, select

from marketplace.domain import deadlines, queries
from marketplace.extensions import db
from marketplace.models import Category, Community, Project, Street

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_or_404(query: Select[Any]) -> Any:
    """The one row of a *scoped* query, or 404: an object outside one's scope does not exist."""
    obj = db.session.scalar(query)
    if obj is None:
        abort(404)
    return obj


def safe_next(default: str) -> str:
    """A same-site path from ?next= or the form, never an outside address."""
    target = request.values.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return default


MAX_PAGE = 100_000
MAX_INTEGER = 2**31 - 1


def page_arg() -> int:
    """?page=, between 1 and MAX_PAGE whatever was typed (a huge page must not overflow OFFSET)."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


def cursor_arg() -> tuple[str, int] | None:
    """The pager's keyset link (?after=ID or ?before=ID, next to ?page=), or None: a list page then
    starts at that key instead of skipping rows (queries.paginate)."""
    for name in ("after", "before"):
        value = int_arg(name)
        if value is not None:
            return name, value
    return None


def int_arg(name: str, source: Any = None) -> int | None:
    """An integer query (or form) parameter that fits the database's integer; None otherwise."""
    value = (source if source is not None else request.args).get(name, type=int)
    return value if value is not None and abs(value) <= MAX_INTEGER else None


def ids_from(values: Any) -> list[int]:
    """The integer ids among a form's repeated values (people picked in a list), skipping anything else
    and anything the database's integer cannot hold."""
    return [int(v) for v in values if v.isascii() and v.isdigit() and int(v) <= MAX_INTEGER]


def form_status(form: Any) -> int:
    """200 for a first display, 400 when a submitted form is shown again with errors."""
    return 400 if request.method == "POST" else 200


def list_context() -> dict[str, Any]:
    """Streets, communities and categories for the list filters (three small queries)."""
    communities = db.session.scalars(select(Community).order_by(Community.street_id, Community.id)).all()
    by_street: dict[int, list[Community]] = {}
    for c in communities:
        by_street.setdefault(c.street_id, []).append(c)
    # grouped here once: the template used to scan all 123 communities for each of the 11 streets
    return {"streets": db.session.scalars(select(Street).order_by(Street.id)).all(),
            "communities": communities, "communities_by_street": by_street,
            "categories": db.session.scalars(select(Category).order_by(Category.id)).all()}


def project_for(code: str) -> Project:
    """The project by its code within the user's scope (404 otherwise).

    A writing request first records what the clock has already made due on this project (bidding
    closed, notice over, an intervention), so the action applies to the state every reader already
    sees; a reading request never writes — pages show the derived state (`can`, `records.stage`)."""
    project = get_or_404(queries.project_by_code(current_user, code))
    if request.method not in SAFE_METHODS:
        deadlines.catch_up(project)
    return project
