"""供需精准匹配 over the platform's data: the listed catalogue as the matcher's items (grade in force,
credit, past 考榜 grades in the category, capacity left this month, all computed), needs and open
projects ranked for an organization's items (为您推荐), and partners for a joint bid.

The ranking itself lives in `matching.py` (jieba + thesaurus + BM25 + features, no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.domain.core import clock
from marketplace.domain.orgs import standing
from marketplace.domain.supply import catalogue, matching
from marketplace.extensions import db
from marketplace.models import (
    Community,
    Need,
    NeedStatus,
    Organization,
    Project,
    ProjectStatus,
    ServiceItem,
    ServiceOrder,
    ServiceStatus,
    VerificationStatus,
)

OPEN_NEEDS = (NeedStatus.recorded, NeedStatus.in_review, NeedStatus.approved)


def capacity_used(item_ids: list[int]) -> dict[int, int]:
    """Units (or periods) of each item already promised by live 点单会 orders (placed or accepted) in the
    month a new order would start (orders start on the first of next month), in one query."""
    from marketplace.domain.supply import ordering

    if not item_ids:
        return {}
    month = ordering.first_of_next_month(clock.today())
    used: dict[int, int] = {}
    for item_id, starts_on, months, quantity in db.session.execute(
            select(ServiceOrder.item_id, ServiceOrder.starts_on, ServiceOrder.months, ServiceOrder.quantity).where(
                ServiceOrder.item_id.in_(item_ids), ServiceOrder.status.in_(ordering.LIVE),
                ServiceOrder.starts_on <= month)):
        if (month.year, month.month) in ordering.months_of(starts_on, months):
            used[item_id] = used.get(item_id, 0) + quantity
    return used


def listed_items(category_id: int | None = None) -> list[ServiceItem]:
    query = (select(ServiceItem).join(Organization, ServiceItem.organization_id == Organization.id)
             .where(ServiceItem.status == ServiceStatus.listed, Organization.status == VerificationStatus.verified)
             .options(joinedload(ServiceItem.organization), joinedload(ServiceItem.category),
                      selectinload(ServiceItem.streets)).order_by(ServiceItem.id))
    if category_id:
        query = query.where(ServiceItem.category_id == category_id)
    return list(db.session.scalars(query))


def as_items(services: list[ServiceItem]) -> list[matching.Item]:
    """The matcher's view of listed services, with everything it weighs computed in three queries."""
    credit = catalogue.credit_scores({s.organization_id for s in services})
    past = catalogue.past_grades({(s.organization_id, s.category_id) for s in services})
    used = capacity_used([s.id for s in services])
    today = clock.today()
    out = []
    for s in services:
        grade = standing.effective_grade(s.organization, today)
        score = credit.get(s.organization_id)
        out.append(matching.Item(
            key=s.code, name=s.name, category=s.category.name, category_code=s.category.code,
            description=s.description, audience=s.audience, streets=tuple(st.name for st in s.streets),
            whole_district=s.whole_district, organization_name=s.organization.name,
            organization_uscc=s.organization.uscc, capacity_left=s.monthly_capacity - used.get(s.id, 0),
            grade=grade.value if grade else None, credit=float(score) if score is not None else None,
            past_grades=tuple(past.get((s.organization_id, s.category_id), ()))))
    return out


@dataclass
class Found:
    """A ranked service with its row and reasons."""

    service: ServiceItem
    match: matching.Match

    @property
    def reasons(self) -> list[str]:
        return matching.describe_all(self.match)


def rank(text: str, street: str | None = None, limit: int = 10, category_code: str | None = None) -> list[Found]:
    services = listed_items()
    if not services:
        return []
    by_code = {s.code: s for s in services}
    matches = matching.Matcher(as_items(services)).rank(text, street=street, limit=limit, category_code=category_code)
    return [Found(by_code[m.item.key], m) for m in matches]


def for_need(need: Need, limit: int = 8) -> list[Found]:
    """Services that fit a need: its title, description and beneficiaries, its street and category."""
    text = "\n".join(p for p in (need.title, need.description, need.beneficiaries) if p)
    return rank(text, street=need.community.street.name, limit=limit, category_code=need.category.code)


def organizations_for(found: list[Found], limit: int = 5) -> list[tuple[Organization, Found]]:
    """The organizations behind the best services, each once, best first."""
    seen: dict[int, tuple[Organization, Found]] = {}
    for f in found:
        seen.setdefault(f.service.organization_id, (f.service.organization, f))
    return list(seen.values())[:limit]


# --- 为您推荐: needs and open projects for an organization's items ---------------------------------------

@dataclass
class Recommendation:
    kind: str            # "need" | "project"
    code: str
    title: str
    obj: Any
    score: float
    reasons: list[str] = field(default_factory=list)


def recommend(org: Organization, limit: int = 10) -> list[Recommendation]:
    """Open needs and projects open for bids that fit the organization's listed items: each need or
    project is an item for the matcher, and each of the organization's services is asked as a need."""
    own = list(db.session.scalars(select(ServiceItem).where(
        ServiceItem.organization_id == org.id, ServiceItem.status == ServiceStatus.listed)
        .options(joinedload(ServiceItem.category), selectinload(ServiceItem.streets))))
    if not own:
        return []
    needs = list(db.session.scalars(select(Need).where(Need.status.in_(OPEN_NEEDS))
                                    .options(joinedload(Need.community).joinedload(Community.street),
                                             joinedload(Need.category)).order_by(Need.id.desc()).limit(2000)))
    projects = list(db.session.scalars(select(Project).where(
        Project.status == ProjectStatus.bidding, Project.bid_deadline > clock.now())
        .options(joinedload(Project.street), joinedload(Project.category)).order_by(Project.id.desc()).limit(500)))
    targets: dict[str, tuple[str, Any]] = {}
    items = []
    for n in needs:
        targets[f"need:{n.code}"] = ("need", n)
        items.append(matching.Item(key=f"need:{n.code}", name=n.title, category=n.category.name,
                                   category_code=n.category.code, description=n.description,
                                   audience=n.beneficiaries, streets=(n.community.street.name,)))
    for p in projects:
        targets[f"project:{p.code}"] = ("project", p)
        items.append(matching.Item(key=f"project:{p.code}", name=p.title, category=p.category.name,
                                   category_code=p.category.code, description=p.scope, streets=(p.street.name,)))
    if not items:
        return []
    matcher = matching.Matcher(items)
    best: dict[str, Recommendation] = {}
    for service in own:
        text = "\n".join((service.name, service.description, service.audience))
        for m in matcher.rank(text, limit=limit * 2, category_code=service.category.code):
            if not m.specific:
                continue
            kind, obj = targets[m.item.key]
            covers = service.whole_district or any(s.name in m.item.streets for s in service.streets)
            score = m.score + (0.1 if covers else -0.3)
            if m.item.key in best and best[m.item.key].score >= score:
                continue
            words = [r for r in m.reasons if r.kind == "words"]
            reasons = [matching.describe(matching.Reason("your_item", {"item": service.name}))]
            reasons += [matching.describe(r) for r in words]
            reasons.append(matching.describe(matching.Reason("street", {
                "street": m.item.streets[0], "covers": covers, "district": service.whole_district})))
            best[m.item.key] = Recommendation(kind, obj.code, obj.title, obj, score, reasons)
    return sorted(best.values(), key=lambda r: (-r.score, r.code))[:limit]


def listed_count() -> int:
    return db.session.scalar(select(func.count(ServiceItem.id)).where(ServiceItem.status == ServiceStatus.listed)) or 0


# --- 联合揭榜: a partner finder for a lead ----------------------------------------------------------------

@dataclass
class Partner:
    organization: Organization
    service: ServiceItem
    reasons: list[str]


def partners_for(project: Project, lead: Organization, limit: int = 5) -> list[Partner]:
    """Organizations a lead preparing a joint bid might invite: the matcher's ranking of listed services
    for the project (its text, street and category), keeping those that cover the project's street,
    complement the lead's own services (a service the lead already offers under the same name is left
    out) and whose organization is eligible for the project now (the same refusals as a bid); one
    service per organization, best first."""
    from marketplace.domain.tender.bids import refusals  # the tender stage sits above the supply side

    own = set(db.session.scalars(select(ServiceItem.name).where(ServiceItem.organization_id == lead.id,
                                                                ServiceItem.status == ServiceStatus.listed)))
    text = "\n".join(p for p in (project.title, project.scope, project.outputs) if p)
    out: list[Partner] = []
    seen = {lead.id}
    for found in rank(text, street=project.street.name, limit=30, category_code=project.category.code):
        service = found.service
        if service.organization_id in seen or service.name in own or not service.covers(project.street_id):
            continue
        seen.add(service.organization_id)
        if refusals(service.organization, project):
            continue
        out.append(Partner(service.organization, service, found.reasons[:3]))
        if len(out) >= limit:
            break
    return out
