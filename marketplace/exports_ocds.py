"""Open Contracting Data Standard (OCDS 1.1) releases of the projects: what the public may know —
the tender, the award and the contract — never a sealed bid or a person's identity.

One contracting process = one ocid. A project published again after 流标, an exit or a withdrawal
after the award starts a new process (`Project.process` + 1): a new ocid `<prefix>-<code>-<n>`, linked
both ways through `relatedProcesses`; the earlier process keeps its awards and contracts.

A release names one content: its id is the project code plus the sequence number of the last audit
entry that changed the process (the project's own entries and its bids' submissions and withdrawals),
its date that entry's time. Releases are built set-based for a whole page (a fixed number of queries)
and cached by that last entry's hash, so fetching twice gives the same bytes.
Every release validates against the official OCDS 1.1.5 schema (tests/ocds_schema, checked in the suite).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date, datetime, time
from typing import Any

from cachetools import LRUCache
from flask import current_app, url_for
from sqlalchemy import and_, func, inspect, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from marketplace.domain.core.clock import LOCAL_TZ
from marketplace.extensions import db
from marketplace.models import (
    AuditEntry,
    Award,
    Bid,
    BidPartner,
    BidReceipt,
    Contract,
    PartnerStatus,
    Project,
    ProjectStatus,
)

PAGE_SIZE = 100
PAGINATION_EXTENSION = ("https://raw.githubusercontent.com/open-contracting-extensions/"
                        "ocds_pagination_extension/master/extension.json")
# the audit entries about a project's bids that change what its release says (the number of tenderers)
BID_ACTIONS = ("bid.submitted", "bid.withdrawn")
STARTS = ("project.published", "project.republished")

TENDER_STATUS = {
    ProjectStatus.bidding: "active", ProjectStatus.withdrawn: "cancelled", ProjectStatus.failed: "unsuccessful",
    ProjectStatus.reviewing: "active", ProjectStatus.notice: "active", ProjectStatus.delivery: "complete",
    ProjectStatus.evaluation: "complete", ProjectStatus.evaluated: "complete", ProjectStatus.exited: "complete",
}
AWARD_STATUS = {"notice": "pending", "final": "active", "reopened": "cancelled"}

_cache: LRUCache = LRUCache(maxsize=4096)
_cache_lock = threading.Lock()


def ocds_datetime(value: datetime | date | None, end_of_day: bool = False) -> str | None:
    """RFC 3339 with the district's offset (+08:00); a calendar date is its first (or last) second."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59) if end_of_day else time(0, 0), tzinfo=LOCAL_TZ)
    return value.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def _iso(value: str | None) -> str | None:
    return ocds_datetime(datetime.fromisoformat(value)) if value else None


def _amount(value: Any) -> dict[str, Any]:
    return {"amount": float(value), "currency": "CNY"}


def prune(data: Any) -> Any:
    """No empty strings, nulls, empty lists or objects anywhere (OCDS: omit what is unknown)."""
    if isinstance(data, dict):
        cleaned = {k: prune(v) for k, v in data.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(data, list):
        return [v for v in (prune(v) for v in data) if v not in (None, "", [], {})]
    if isinstance(data, str):
        return data.strip()
    return data


def ocid(project: Project, process: int) -> str:
    prefix = current_app.config["OCDS_OCID_PREFIX"]
    return f"{prefix}-{project.code}" if process == 1 else f"{prefix}-{project.code}-{process}"


def _settings() -> tuple:
    cfg = current_app.config
    return (cfg["OCDS_OCID_PREFIX"], cfg["OCDS_ORG_SCHEME"], cfg["OCDS_BUYER_SCHEME"])


# --- what the chain says about each project (two queries for a page) ----------------------------

def _last_entries(ids: list[int]) -> dict[int, Any]:
    """Per project: the last audit entry that changed it (seq, time, hash)."""
    own = select(AuditEntry.subject_id.label("pid"), AuditEntry.seq.label("seq")).where(
        AuditEntry.subject_type == "projects", AuditEntry.subject_id.in_(ids))
    of_bids = select(Bid.project_id.label("pid"), AuditEntry.seq.label("seq")).join(
        Bid, and_(AuditEntry.subject_type == "bids", AuditEntry.subject_id == Bid.id)).where(
        Bid.project_id.in_(ids), AuditEntry.action.in_(BID_ACTIONS))
    both = union_all(own, of_bids).subquery()
    last = select(both.c.pid, func.max(both.c.seq).label("seq")).group_by(both.c.pid).subquery()
    rows = db.session.execute(select(last.c.pid, AuditEntry.seq, AuditEntry.created_at, AuditEntry.hash)
                              .join(AuditEntry, AuditEntry.seq == last.c.seq)).all()
    return {r.pid: r for r in rows}


def _starts(ids: list[int]) -> dict[int, list[Any]]:
    """Per project, in order: the entries that opened each of its processes (publication, republications)."""
    rows = db.session.execute(select(AuditEntry.subject_id, AuditEntry.seq, AuditEntry.created_at,
                                     AuditEntry.action, AuditEntry.payload)
                              .where(AuditEntry.subject_type == "projects", AuditEntry.subject_id.in_(ids),
                                     AuditEntry.action.in_(STARTS)).order_by(AuditEntry.seq)).all()
    found: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        if r.action == "project.published" and found[r.subject_id]:
            continue  # (published once; a republication is the other action)
        found[r.subject_id].append(r)
    return found


# --- the business rows of the projects that are not cached (a fixed number of queries) -----------

class _Rows:
    def __init__(self, projects: list[Project]) -> None:
        ids = [p.id for p in projects]
        self.tenderers: dict[tuple[int, int], int] = {
            (r.project_id, r.process): r.n for r in db.session.execute(
                select(BidReceipt.project_id, BidReceipt.process, func.count(func.distinct(BidReceipt.bid_id))
                       .label("n")).where(BidReceipt.project_id.in_(ids))
                .group_by(BidReceipt.project_id, BidReceipt.process))}
        self.awards: dict[tuple[int, int], list[Award]] = defaultdict(list)
        for a in db.session.scalars(select(Award).where(Award.project_id.in_(ids)).order_by(Award.round)):
            self.awards[(a.project_id, a.process)].append(a)
        self.contracts: dict[tuple[int, int], list[Contract]] = defaultdict(list)
        for c in db.session.scalars(select(Contract).where(Contract.project_id.in_(ids)).order_by(Contract.id)):
            self.contracts[(c.project_id, c.process)].append(c)
        bid_ids = {a.bid_id for group in self.awards.values() for a in group}
        bid_ids |= {int(e["bid_id"]) for group in self.awards.values() for a in group for e in (a.ranking or [])}
        self.bids: dict[int, Bid] = {b.id: b for b in db.session.scalars(
            select(Bid).where(Bid.id.in_(bid_ids)).options(
                joinedload(Bid.organization),
                selectinload(Bid.partners).joinedload(BidPartner.organization)))} if bid_ids else {}


def _party(org: Any, roles: list[str]) -> dict[str, Any]:
    scheme = current_app.config["OCDS_ORG_SCHEME"]
    return {"id": f"{scheme}-{org.uscc}", "name": org.name, "identifier": {
        "scheme": scheme, "id": org.uscc, "legalName": org.name}, "roles": roles}


def _members(bid: Bid) -> list[Any]:
    return [bid.organization] + [p.organization for p in bid.partners if p.status is PartnerStatus.confirmed]


def _buyer(project: Project) -> dict[str, Any]:
    scheme = current_app.config["OCDS_BUYER_SCHEME"]
    return {"id": f"{scheme}-{project.street.code}", "name": project.street.name,
            "identifier": {"scheme": scheme, "id": project.street.code, "legalName": project.street.name}}


def _release(project: Project, process: int, rows: _Rows, entry: Any, starts: list[Any]) -> dict[str, Any]:
    current = process == project.process
    key = (project.id, process)
    awards = rows.awards.get(key, [])
    contracts = rows.contracts.get(key, [])
    start = starts[process - 1] if len(starts) >= process else None
    if current:
        period = {"startDate": ocds_datetime(project.published_at), "endDate": ocds_datetime(project.bid_deadline)}
        enquiry = {"endDate": ocds_datetime(project.qa_deadline)}
        status = TENDER_STATUS.get(project.status, "planned")
    else:
        payload = start.payload if start is not None else {}
        period = {"startDate": ocds_datetime(start.created_at) if start is not None else None,
                  "endDate": _iso(payload.get("bid_deadline"))}
        enquiry = {"endDate": _iso(payload.get("qa_deadline"))}
        status = "complete" if awards else "unsuccessful"
    buyer = _buyer(project)
    parties: dict[str, dict[str, Any]] = {buyer["id"]: {**buyer, "roles": ["buyer", "procuringEntity"]}}

    def add_party(org: Any, role: str) -> dict[str, str]:
        party = _party(org, [])
        found = parties.setdefault(party["id"], party)
        if role not in found["roles"]:
            found["roles"].append(role)
        return {"id": party["id"], "name": party["name"]}

    tenderers: list[dict[str, str]] = []
    if awards:  # after the award the tenderers (the bids in competition) are public
        seen: set[int] = set()
        for entry_ in awards[-1].ranking or []:
            bid = rows.bids.get(int(entry_["bid_id"]))
            if bid is None or bid.id in seen:
                continue
            seen.add(bid.id)
            tenderers += [add_party(org, "tenderer") for org in _members(bid)]
    award_rows = []
    for decision in awards:
        bid = rows.bids[decision.bid_id]
        ranked = next((e for e in decision.ranking or [] if int(e["bid_id"]) == bid.id), None)
        award_rows.append({
            "id": f"{project.code}-A{decision.round}", "status": AWARD_STATUS[decision.status.value],
            "date": ocds_datetime(decision.created_at),
            "value": _amount(ranked["budget_total"] if ranked else bid.budget_total),
            "suppliers": [add_party(org, "supplier") for org in _members(bid)],
            "description": decision.reason,
        })
    contract_rows = []
    for deal in contracts:
        award = next((a for a in reversed(awards) if a.bid_id == deal.bid_id), None)
        active = current and project.status is ProjectStatus.delivery
        contract_rows.append({
            "id": f"{project.code}-C{deal.id}",
            "awardID": f"{project.code}-A{award.round}" if award else f"{project.code}-A0",
            "status": "active" if active else "terminated",
            "value": _amount(deal.amount), "dateSigned": ocds_datetime(deal.created_at),
            "period": {"startDate": ocds_datetime(deal.starts_on),
                       "endDate": ocds_datetime(deal.ends_on, end_of_day=True)},
        })
    related = []
    if process > 1:
        earlier_failed = not rows.awards.get((project.id, process - 1))
        related.append({"id": "prior", "relationship": ["unsuccessfulProcess" if earlier_failed else "prior"],
                        "title": project.title, "scheme": "ocid", "identifier": ocid(project, process - 1)})
    if not current:
        related.append({"id": "replacement", "relationship": ["replacementProcess"], "title": project.title,
                        "scheme": "ocid", "identifier": ocid(project, process + 1)})
    if current:
        seq, at = (entry.seq, entry.created_at) if entry is not None else (0, project.published_at)
    else:  # an earlier process ended with the republication that opened the next one
        ender = starts[process] if len(starts) > process else None
        seq, at = (ender.seq, ender.created_at) if ender is not None else (0, project.published_at)
    tags = ["tender"] + (["award"] if award_rows else []) + (["contract"] if contract_rows else [])
    tender_id = project.code if process == 1 else f"{project.code}-{process}"
    release = {
        "ocid": ocid(project, process), "id": f"{project.code}-{seq}", "date": ocds_datetime(at), "tag": tags,
        "initiationType": "tender", "language": "zh",
        "buyer": {"id": buyer["id"], "name": buyer["name"]},
        "tender": {
            "id": tender_id, "title": project.title, "description": project.scope, "status": status,
            "value": _amount(project.budget_cap), "procurementMethod": "open",
            "procurementMethodDetails": "揭榜挂帅", "mainProcurementCategory": "services",
            "procuringEntity": {"id": buyer["id"], "name": buyer["name"]},
            "tenderPeriod": period, "enquiryPeriod": enquiry, "submissionMethod": ["electronicSubmission"],
            "numberOfTenderers": rows.tenderers.get(key, 0), "tenderers": tenderers,
            "awardCriteria": "ratedCriteria",
            "awardCriteriaDetails": "; ".join(f"{k} {v}" for k, v in (project.criteria or {}).items()),
            "items": [{"id": n.code, "description": n.title,
                       "classification": {"scheme": "x_category", "id": project.category.code,
                                          "description": project.category.name}} for n in project.needs],
        },
        "awards": award_rows, "contracts": contract_rows, "relatedProcesses": related,
        "parties": list(parties.values()),
    }
    return prune(release)


def releases(projects: list[Project]) -> list[dict[str, Any]]:
    """Every release (one per contracting process) of these projects, in order."""
    if not projects:
        return []
    ids = [p.id for p in projects]
    last = _last_entries(ids)
    starts = _starts(ids)
    settings = _settings()
    built: dict[tuple[int, int], dict[str, Any]] = {}
    missing = []
    for p in projects:
        entry = last.get(p.id)
        for process in range(1, (p.process or 1) + 1):
            cache_key = (p.id, process, entry.hash if entry is not None else None, settings)
            with _cache_lock:
                hit = _cache.get(cache_key) if entry is not None else None
            if hit is not None:
                built[(p.id, process)] = hit
            else:
                missing.append((p, process, cache_key))
    if missing:
        to_build = list({p.id: p for p, _n, _k in missing}.values())
        # what a release shows of the project itself, for the ones not cached only (one query each)
        bare = [p.id for p in to_build if {"street", "category", "needs"} & inspect(p).unloaded]
        if bare:
            db.session.scalars(select(Project).where(Project.id.in_(bare)).options(
                joinedload(Project.street), joinedload(Project.category), selectinload(Project.needs))).unique().all()
        rows = _Rows(to_build)
        for p, process, cache_key in missing:
            release = _release(p, process, rows, last.get(p.id), starts.get(p.id, []))
            built[(p.id, process)] = release
            if cache_key[2] is not None:
                with _cache_lock:
                    _cache[cache_key] = release
    return [built[(p.id, n)] for p in projects for n in range(1, (p.process or 1) + 1)]


def published_projects(page: int) -> tuple[list[Project], int | None]:
    """A page of published projects (oldest first) and the number of the next page that has some.

    Page N is a range of PAGE_SIZE project ids counted from the first project's (drafts and gaps
    in the ids leave it shorter; a range of drafts only is no page, and the next page's number
    skips it): it is read from the primary key's index, so page 2,000 costs what page 2 costs (no
    OFFSET over the pages before), and a page keeps its projects when a project is published later."""
    # the rows only: street, category and needs are loaded by `releases` for the releases not cached
    first = select(func.min(Project.id)).scalar_subquery()  # (the key's first entry)
    low = first + (page - 1) * PAGE_SIZE
    published = Project.status != ProjectStatus.draft
    rows = db.session.scalars(select(Project).where(Project.id >= low, Project.id < low + PAGE_SIZE, published)
                              .order_by(Project.id)).all()
    following = db.session.execute(select(Project.id, first).where(Project.id >= low + PAGE_SIZE, published)
                                   .order_by(Project.id).limit(1)).first()
    return list(rows), (following[0] - following[1]) // PAGE_SIZE + 1 if following else None


def publication_policy() -> str:
    return current_app.config.get("OCDS_PUBLICATION_POLICY") or url_for("public.open_data", _external=True)


def package(projects: list[Project], uri: str, links: dict[str, str] | None = None) -> dict[str, Any]:
    """A release package: the releases with the publisher, licence, policy and (for pages) links."""
    items = releases(projects)
    latest = max((r["date"] for r in items), default=None,
                 key=lambda d: datetime.fromisoformat(d)) if items else None
    data = {
        "uri": uri, "version": "1.1", "extensions": [PAGINATION_EXTENSION], "publishedDate": latest,
        "publisher": {"name": current_app.config["OCDS_PUBLISHER"],
                      "uri": url_for("public.open_data", _external=True)},
        "license": current_app.config["OCDS_LICENSE"], "publicationPolicy": publication_policy(),
        "links": links or {},
    }
    # the releases are pruned when built (and cached so): pruning them again on every request was
    # half of the page's CPU
    return {**prune(data), "releases": items} if items else prune(data)
