"""Open Contracting Data Standard (OCDS 1.1) releases of the projects: what the public may know —
the tender, the award and the contract — never a sealed bid or a person's identity."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from marketplace.domain.core import audit, clock
from marketplace.domain.deliver import delivery
from marketplace.domain.tender import awards
from marketplace.extensions import db
from marketplace.models import Bid, BidReceipt, Project, ProjectStatus

PREFIX = "ocds-licang"
TENDER_STATUS = {
    ProjectStatus.bidding: "active", ProjectStatus.withdrawn: "cancelled", ProjectStatus.failed: "unsuccessful",
    ProjectStatus.reviewing: "active", ProjectStatus.notice: "complete", ProjectStatus.delivery: "complete",
    ProjectStatus.evaluation: "complete", ProjectStatus.evaluated: "complete", ProjectStatus.exited: "complete",
}


def _org(org: Any, roles: list[str]) -> dict[str, Any]:
    return {"id": f"CN-USCC-{org.uscc}", "name": org.name, "identifier": {"scheme": "CN-USCC", "id": org.uscc},
            "roles": roles}


def release(project: Project) -> dict[str, Any]:
    seq, _head = audit.head()
    buyer = {"id": f"street-{project.street_id}", "name": project.street.name}
    tenderers = db.session.scalar(select(func.count(func.distinct(BidReceipt.bid_id))).where(
        BidReceipt.project_id == project.id)) or 0
    parties = [{**buyer, "roles": ["buyer", "procuringEntity"]}]
    tags = ["tender"]
    data: dict[str, Any] = {
        "ocid": f"{PREFIX}-{project.code}", "id": f"{project.code}-{seq}", "date": clock.now().isoformat(),
        "language": "zh", "initiationType": "tender", "buyer": buyer,
        "tender": {
            "id": project.code, "title": project.title, "description": project.scope,
            "status": TENDER_STATUS.get(project.status, "planned"),
            "value": {"amount": float(project.budget_cap), "currency": "CNY"},
            "procurementMethod": "open", "mainProcurementCategory": "services",
            "tenderPeriod": {"startDate": project.published_at.isoformat() if project.published_at else None,
                             "endDate": project.bid_deadline.isoformat()},
            "enquiryPeriod": {"endDate": project.qa_deadline.isoformat()},
            "numberOfTenderers": tenderers,
            "awardCriteriaDetails": ", ".join(f"{k} {v}" for k, v in project.criteria.items()),
            "items": [{"id": n.code, "description": n.title, "classification": {"scheme": "x_category",
                                                                                  "id": project.category.code}}
                      for n in project.needs],
        },
        "awards": [], "contracts": [],
    }
    for decision in sorted(awards.awards_of(project), key=lambda a: a.round):
        bid: Bid = decision.bid
        suppliers = [_org(bid.organization, ["supplier"])] + [
            _org(p.organization, ["supplier"]) for p in bid.partners if p.status.value == "confirmed"]
        data["awards"].append({
            "id": f"{project.code}-A{decision.round}", "status": {"notice": "pending", "final": "active",
                                                                  "reopened": "cancelled"}[decision.status.value],
            "date": decision.created_at.isoformat(), "value": {"amount": float(bid.budget_total), "currency": "CNY"},
            "suppliers": [{"id": s["id"], "name": s["name"]} for s in suppliers],
            "description": decision.reason or "",
        })
        for s in suppliers:
            if all(p["id"] != s["id"] for p in parties):
                parties.append(s)
        tags.append("award")
    deal = delivery.contract(project)
    if deal is not None:
        final = next((a for a in data["awards"] if a["status"] == "active"), None)
        data["contracts"].append({
            "id": f"{project.code}-C{deal.id}", "awardID": final["id"] if final else None,
            "status": "active" if project.status is ProjectStatus.delivery else "terminated",
            "value": {"amount": float(deal.amount), "currency": "CNY"},
            "period": {"startDate": deal.starts_on.isoformat(), "endDate": deal.ends_on.isoformat()},
        })
        tags.append("contract")
    data["parties"] = parties
    data["tag"] = tags
    return data


def package(projects: list[Project], uri: str) -> dict[str, Any]:
    return {"uri": uri, "version": "1.1", "publishedDate": clock.now().isoformat(),
            "publisher": {"name": "李沧区 揭榜挂帅"}, "releases": [release(p) for p in projects]}
