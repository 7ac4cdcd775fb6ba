"""Pages anyone can read: only what the public may know."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.domain import overview, queries
from marketplace.domain import stats as district_stats
from marketplace.domain.core import audit, clock, followup, permissions, rules, workdays
from marketplace.domain.credit import ledger
from marketplace.domain.orgs import standing
from marketplace.extensions import db
from marketplace.models import (
    Alliance,
    Category,
    Organization,
    Project,
    ProjectStatus,
    ServiceItem,
    ServiceStatus,
    Street,
)
from marketplace.views import figures
from marketplace.views.helpers import cursor_arg, get_or_404, int_arg, page_arg, safe_next
from marketplace.domain.integrity import flags as integrity_flags
from marketplace.pagecache import public_page

bp = Blueprint("public", __name__)

PAGE_SIZE = 20


@bp.get("/")
@public_page
def home():
    stats = district_stats.district_counts()
    open_projects = db.session.scalars(select(Project).where(
        Project.status == ProjectStatus.bidding, Project.bid_deadline > clock.now())
        .order_by(Project.bid_deadline).limit(5)).all()
    seq, head = audit.head()
    return render_template("public/home.html", stats=stats, chain_length=seq, chain_head=head,
                           open_projects=open_projects)


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(url_for("public.home")))


@bp.get("/organizations/", endpoint="organizations")
@public_page
def organizations_list():
    query = permissions.organizations_query(current_user)
    alliance = request.args.get("alliance") or ""
    street_id = int_arg("street")
    category_id = int_arg("category")
    q = (request.args.get("q") or "").strip()[:64]
    if alliance in Alliance._value2member_map_:
        query = query.where(Organization.alliance == Alliance(alliance))
    if street_id:
        query = query.where(Organization.streets.any(Street.id == street_id))
    if category_id:
        query = query.where(Organization.categories.any(Category.id == category_id))
    if q:
        query = query.where(Organization.name.contains(q))
    page = queries.paginate(query.order_by(Organization.name, Organization.id), page_arg(), PAGE_SIZE,
                            (selectinload(Organization.categories), selectinload(Organization.streets)),
                            cursor=cursor_arg())
    return render_template(
        "public/organizations.html", page=page,
        streets=db.session.scalars(select(Street).order_by(Street.id)).all(),
        categories=db.session.scalars(select(Category).order_by(Category.id)).all(),
        alliances=list(Alliance), filters={"alliance": alliance, "street": street_id,
                                           "category": category_id, "q": q},
        effective_grade=standing.effective_grade,
    )


@bp.get("/organizations/<int:org_id>")
@public_page
def organization(org_id: int):
    org = get_or_404(permissions.organizations_query(current_user).where(Organization.id == org_id))
    return render_template(
        "public/organization.html", org=org,
        standing=standing.standing(org),
        private=permissions.can(current_user, "organization.view_private", org),
        score=ledger.score(org.id), ledger=ledger.ledger(org.id)[:50], event_label=ledger.event_label,
        credit_chart=figures.credit_chart(ledger.history(org.id)),
        black=standing.active_black(org.id), red=standing.on_current_red_list(org.id),
        services=db.session.scalars(select(ServiceItem).where(
            ServiceItem.organization_id == org.id, ServiceItem.status.in_((ServiceStatus.listed, ServiceStatus.paused)))
            .options(selectinload(ServiceItem.category), selectinload(ServiceItem.streets))
            .order_by(ServiceItem.category_id, ServiceItem.name)).all(),
    )


@bp.get("/rules", endpoint="rules")
@public_page
def rules_page():
    calendar = workdays.summary()

    return render_template("public/rules.html", groups=rules.grouped(), calendar=calendar,
                           integrity=integrity_flags.thresholds(), signals=integrity_flags.EXPLANATIONS,
                           calendar_gap=workdays.gap_message(calendar.missing) if calendar.missing else None)


@bp.get("/open-data", endpoint="open_data")
@public_page
def open_data():
    """The publication policy of the open data (OCDS), and what anyone can verify and how."""
    cfg = current_app.config
    return render_template("public/open_data.html", prefix=cfg["OCDS_OCID_PREFIX"], license=cfg["OCDS_LICENSE"],
                           publisher=cfg["OCDS_PUBLISHER"])


@bp.get("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}


@bp.get("/favicon.ico")
def favicon():
    abort(404)


@bp.get("/track")
def track():
    """A micro-wish or complaint by its tracking number: its progress, nothing personal."""
    raw = request.args.get("code", "")
    found = followup.lookup(raw) if raw else None
    steps = None
    if found is not None and found.need is not None:
        steps = overview.need_steps(found.need)
    status = 404 if raw and found is None else 200
    return render_template("public/track.html", raw=raw[:40], found=found, steps=steps,
                           response_days=rules.get_rule("due.response_days")), status
