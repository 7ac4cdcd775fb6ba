"""The scan: load the district set-based (a handful of queries, whatever its size), run every signal,
keep the findings as flags. Run by `flask integrity scan` and after the deadlines tick closed or decided
anything — never by a page."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select, text

from marketplace.domain.core import audit, clock, rules
from marketplace.domain.integrity import signals
from marketplace.extensions import db
from marketplace.models import (
    Award,
    AwardStatus,
    Bid,
    BidAttachment,
    BidPartner,
    BidScore,
    BidStatus,
    FlagStatus,
    IntegrityFlag,
    LetterShingles,
    Organization,
    PanelMember,
    PartnerStatus,
    Project,
    ProjectStatus,
    flag_projects,
)

IN_COMPETITION = (BidStatus.submitted, BidStatus.awarded, BidStatus.lost, BidStatus.ineligible)


def _opened(now: datetime):
    """Tenders whose bids are open to the district: bidding closed by the clock and by the record."""
    return select(Project.id).where(Project.bid_deadline <= now,
                                    Project.status.not_in((ProjectStatus.draft, ProjectStatus.bidding,
                                                           ProjectStatus.withdrawn)))


def load(now: datetime | None = None) -> dict[str, Any]:
    now = now or clock.now()
    opened = _opened(now).scalar_subquery()
    scores = [signals.ScoreRow(project_id=p, bid_id=b, org_id=o, user_id=u, total=float(t), at=at,
                               reasons=tuple(str((v or {}).get("reason") or "") for v in (sc or {}).values()))
              for p, b, o, u, t, at, sc in db.session.execute(
                  select(Bid.project_id, Bid.id, Bid.organization_id, PanelMember.user_id, BidScore.total,
                         BidScore.created_at, BidScore.scores)
                  .join(Bid, Bid.id == BidScore.bid_id).join(PanelMember, PanelMember.id == BidScore.member_id)
                  .where(Bid.project_id.in_(opened), PanelMember.recused_at.is_(None)))]
    partners: dict[int, set[int]] = defaultdict(set)
    for bid_id, org_id in db.session.execute(
            select(BidPartner.bid_id, BidPartner.organization_id).join(Bid, Bid.id == BidPartner.bid_id)
            .where(Bid.project_id.in_(opened), BidPartner.status != PartnerStatus.declined)):
        partners[bid_id].add(org_id)
    files: dict[int, list[str]] = defaultdict(list)
    for bid_id, digest in db.session.execute(
            select(BidAttachment.bid_id, BidAttachment.sha256).join(Bid, Bid.id == BidAttachment.bid_id)
            .where(Bid.project_id.in_(opened))):
        files[bid_id].append(digest)
    bids = [signals.BidRow(
        bid_id=i, project_id=p, org_id=o, text="\n".join(x or "" for x in (summary, plan, team, outputs, schedule)),
        budget=tuple((str(line.get("item", "")).strip(), str(Decimal(str(line.get("amount") or 0)).quantize(Decimal("0.01"))))
                     for line in (items or [])),
        total=float(total or 0), cap=float(cap), attachments=tuple(files.get(i, ())),
        partner_ids=frozenset(partners.get(i, ())))
        for i, p, o, summary, plan, team, outputs, schedule, items, total, cap in db.session.execute(
            select(Bid.id, Bid.project_id, Bid.organization_id, Bid.summary, Bid.plan, Bid.team, Bid.outputs, Bid.schedule,
                   Bid.budget_items, Bid.budget_total, Project.budget_cap).join(Project, Project.id == Bid.project_id)
            .where(Bid.project_id.in_(opened), Bid.status.in_(IN_COMPETITION)))]
    org_ids = {b.org_id for b in bids} | {o for b in bids for o in b.partner_ids}
    orgs = [signals.OrgRow(id=i, legal_representative=lr or "", phone=ph or "", email=em or "", address=ad or "")
            for i, lr, ph, em, ad in db.session.execute(
                select(Organization.id, Organization.legal_representative, Organization.contact_phone,
                       Organization.contact_email, Organization.address))
            if i in org_ids]
    awards = [signals.AwardRow(project_id=p, org_id=o, price=float(price), category_id=c, street_id=s)
              for p, o, price, c, s in db.session.execute(
                  select(Project.id, Bid.organization_id, Bid.budget_total, Project.category_id, Project.street_id)
                  .join(Award, Award.project_id == Project.id).join(Bid, Bid.id == Award.bid_id)
                  .where(Award.status != AwardStatus.reopened, Project.id.in_(opened)))]
    bidders = Counter(b.project_id for b in bids)
    return {"scores": scores, "bids": bids, "orgs": orgs, "awards": awards, "bidders": dict(bidders)}


def shingle_cache() -> signals.ShingleCache:
    """The letters earlier scans cut into shingles (one query)."""
    return signals.ShingleCache({d: signals.ShingleCache.unpack(h) for d, h in db.session.execute(
        select(LetterShingles.digest, LetterShingles.hashes))})


def keep_shingles(cache: signals.ShingleCache) -> None:
    """Store the letters cut in this scan; drop those no bid in the scan has any more."""
    rows = [{"digest": d, "count": len(h), "hashes": signals.ShingleCache.pack(h)} for d, h in cache.added.items()]
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(LetterShingles), rows[start:start + 2000])
    stale = sorted(cache.stale)
    for start in range(0, len(stale), 2000):
        db.session.execute(delete(LetterShingles).where(LetterShingles.digest.in_(stale[start:start + 2000])))


def find(now: datetime | None = None, cache: signals.ShingleCache | None = None) -> list[signals.Finding]:
    data = load(now)
    return signals.all_signals(data["scores"], data["bids"], data["orgs"], data["awards"], data["bidders"],
                               trim_at=int(rules.get_rule("award.trim_at")), cache=cache)


def _evidence(finding: signals.Finding) -> dict[str, Any]:
    return {"rows": finding.rows, "chart": finding.chart}


def _one_scan_at_a_time() -> None:
    """Two scans at once (the tick's job and `flask integrity scan`) would both store the same new
    letters and open the same flags. On PostgreSQL the second waits for the first to commit, then reads
    what it kept (a transaction-scoped advisory lock of its own: the chain's lock is not held for the
    length of a scan, so other writers go on). On SQLite the second scan's first write waits for the
    first scan's commit, then fails cleanly and the next tick scans again."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(7302)"))


def scan(actor: Any = "system", now: datetime | None = None) -> dict[str, int]:
    """Run every signal and keep what it finds: a new finding opens a flag; one already flagged and
    still open gets the latest numbers; a decided flag stays decided (its `last_found_at` moves on).
    Flags no longer found stay on record as they were. One audit entry records the scan."""
    now = now or clock.now()
    _one_scan_at_a_time()
    cache = shingle_cache()
    findings = find(now, cache)
    keep_shingles(cache)
    existing = {f.key: f for f in db.session.scalars(select(IntegrityFlag))}  # (flags are few: one per finding)
    created = updated = 0
    linked: list[tuple[IntegrityFlag, set[int]]] = []
    for finding in findings:
        flag = existing.get(finding.key)
        if flag is None:
            flag = IntegrityFlag(key=finding.key, signal=finding.signal, status=FlagStatus.open, first_found_at=now,
                                 severity=finding.severity, measure=Decimal(str(finding.measure)),
                                 facts=finding.facts, evidence=_evidence(finding), last_found_at=now,
                                 user_ids=sorted(finding.user_ids), organization_ids=sorted(finding.org_ids))
            db.session.add(flag)
            created += 1
        else:
            flag.last_found_at = now
            if flag.status is not FlagStatus.open:
                continue
            flag.severity, flag.measure = finding.severity, Decimal(str(finding.measure))
            flag.facts, flag.evidence = finding.facts, _evidence(finding)
            flag.user_ids, flag.organization_ids = sorted(finding.user_ids), sorted(finding.org_ids)
            updated += 1
        linked.append((flag, finding.project_ids))
    db.session.flush()
    if linked:
        db.session.execute(delete(flag_projects).where(flag_projects.c.flag_id.in_([f.id for f, _p in linked])))
        rows = [{"flag_id": flag.id, "project_id": p} for flag, projects in linked for p in sorted(projects)]
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(flag_projects), rows[start:start + 5000])
        for flag, _projects in linked:
            db.session.expire(flag, ["projects"])
    result = {"found": len(findings), "created": created, "updated": updated, "letters_cut": len(cache.added)}
    audit.append(actor, "integrity.scanned", None, {"count": len(findings), **{k: v for k, v in result.items()}})
    return result


def scan_job() -> dict[str, int]:
    """The job the deadlines tick queues once bidding closed or an award changed (runs after its commit)."""
    return scan("system")
