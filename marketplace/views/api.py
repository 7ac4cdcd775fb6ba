"""The public JSON API of the supply side: anonymous, read-only, public catalogue data only, rate
limited per client address (API_RATE_LIMIT).

GET /api/v1/match?q=<free text>&street=<street name>&limit=<n, default 10, at most 50>
GET /api/v1/services?page=&category=&street=&price_min=&price_max=&grade=&credit=&q= (the list's filters)"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from sqlalchemy import select

from marketplace.domain import queries
from marketplace.domain.orgs import standing
from marketplace.domain.supply import catalogue, match
from marketplace.extensions import db, limiter
from marketplace.models import Street
from marketplace.views.helpers import page_arg

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_LIMIT = 50


def _limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _error(message: str, status: int = 400):
    return jsonify({"error": message}), status


@bp.get("/match")
@limiter.limit(_limit)
def match_view():
    q = (request.args.get("q") or "").strip()
    if not q:
        return _error("q is required: the need in free text")
    if len(q) > 500:
        return _error("q is too long (at most 500 characters)")
    street = (request.args.get("street") or "").strip() or None
    if street is not None and db.session.scalar(select(Street.id).where(Street.name == street)) is None:
        return _error(f"unknown street: {street[:64]}")
    try:
        limit = int(request.args.get("limit", 10))
    except ValueError:
        return _error("limit must be a whole number")
    limit = max(1, min(limit, MAX_LIMIT))
    found = match.rank(q, street=street, limit=limit)
    return jsonify({"results": [{
        "service_code": f.service.code, "service_name": f.service.name,
        "organization_name": f.service.organization.name, "organization_uscc": f.service.organization.uscc,
        "category": f.service.category.name,
        "streets": [catalogue.WHOLE_DISTRICT] if f.service.whole_district else [s.name for s in f.service.streets],
        "score": f.match.score, "reasons": f.reasons,
        "url": url_for("services.detail", code=f.service.code, _external=True)} for f in found]})


def _service(item, credit) -> dict:
    grade = standing.effective_grade(item.organization)
    score = credit.get(item.organization_id)
    return {"code": item.code, "name": item.name, "status": item.status.value,
            "organization_name": item.organization.name, "organization_uscc": item.organization.uscc,
            "category": item.category.name, "description": item.description, "audience": item.audience,
            "streets": [catalogue.WHOLE_DISTRICT] if item.whole_district else [s.name for s in item.streets],
            "price": f"{item.price:.2f}", "price_basis": item.price_basis.value, "price_unit": item.price_unit,
            "monthly_capacity": item.monthly_capacity, "grade": grade.value if grade else None,
            "credit": str(score) if score is not None else None,
            "url": url_for("services.detail", code=item.code, _external=True)}


@bp.get("/services")
@limiter.limit(_limit)
def services_view():
    filters = queries.service_filters(request.args)
    page = db.paginate(page=page_arg(), select=queries.services(filters), per_page=50, error_out=False)
    credit = catalogue.credit_scores({i.organization_id for i in page.items})
    args = request.args.to_dict()
    body = {"results": [_service(i, credit) for i in page.items], "page": page.page, "pages": page.pages,
            "total": page.total, "next": None}
    if page.has_next:
        args["page"] = page.next_num
        body["next"] = url_for("api.services_view", _external=True, **args)
    return jsonify(body)
