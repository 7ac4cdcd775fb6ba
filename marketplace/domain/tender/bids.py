"""揭榜: who may bid (eligibility), the sealed intent letter, receipts, joint bids.

Sealing: until the bidding deadline a bid's content is readable only by the users of the
organizations in it; `can_read` is the one place that decides, and every page goes through it."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.domain.core import audit, clock, notify, permissions, records, rules, uploads
from marketplace.domain.orgs import standing
from marketplace.domain.core.errors import InvalidTransition, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    AuditEntry,
    Bid,
    BidAttachment,
    BidPartner,
    BidReceipt,
    BidStatus,
    CreditEvent,
    Organization,
    PartnerStatus,
    Project,
    ProjectStatus,
    Role,
    User,
    VerificationStatus,
)

CONTENT_FIELDS = ("summary", "plan", "team", "outputs", "schedule")
LETTER_FIELDS = ("plan", "team", "outputs", "schedule")  # in every receipt document since the first
SUMMARY_MAX = 1000


# --- eligibility -------------------------------------------------------------------------

@dataclass
class Refusal:
    code: str
    message: str




def refusals(org: Organization, project: Project) -> list[Refusal]:
    """Every reason this organization may not bid for this project now (empty: it may)."""
    found: list[Refusal] = []
    if org.status is not VerificationStatus.verified:
        found.append(Refusal("not_verified", str(_l("Your organization is not verified by the district yet."))))
    for entry in standing.active_national_entries(org):
        found.append(Refusal("national_list", str(_l(
            "Listed on the %(list)s since %(d)s (source: %(s)s).", list=entry.kind.label, d=entry.listed_on,
            s=entry.source))))
    if project.min_grade is not None:
        grade = standing.effective_grade(org)
        if grade is None or grade.rank < project.min_grade.rank:
            found.append(Refusal("min_grade", str(_l(
                "The project requires a rating grade of at least %(min)s; yours in force is %(g)s.",
                min=project.min_grade.value, g=grade.value if grade else _l("none")))))
    black = standing.active_black(org.id)
    if black is not None:
        found.append(Refusal("black_list", str(_l(
            "On the platform black list (红黑榜 %(code)s): no bidding until %(d)s.", code=black.period.code,
            d=black.ban_until))))
    exited = db.session.scalar(select(func.count(CreditEvent.id)).where(
        CreditEvent.organization_id == org.id, CreditEvent.project_id == project.id, CreditEvent.kind == "exit"))
    if exited:
        found.append(Refusal("exited", str(_l("Your organization was exited (淘汰退出) from this project."))))
    limit, carried = standing.capacity_limit(org), standing.active_projects(org)
    if carried >= limit:
        found.append(Refusal("capacity", str(_l(
            "Capacity limit (资源限流): your grade allows %(n)s project(s) at a time and you carry %(c)s.",
            n=limit, c=carried))))
    return found


def ensure_open(project: Project) -> None:
    if clock.now() >= project.bid_deadline and project.status is not ProjectStatus.draft:
        raise InvalidTransition(_l("The bidding deadline (%(d)s) has passed; bids can no longer be changed.",
                                   d=project.bid_deadline.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")))
    if project.status is not ProjectStatus.bidding:
        raise InvalidTransition(_l("This project is not open for bids."))


# --- sealing -----------------------------------------------------------------------------

def member_org_ids(bid: Bid) -> set[int]:
    return {bid.organization_id} | {p.organization_id for p in bid.partners if p.status is not PartnerStatus.declined}


def can_read(user: Any, bid: Bid, seat: Callable[[], Any] | None = None) -> bool:
    """THE sealing rule. Before the deadline: only the bidding organizations' own users.
    After it: also the declared, non-recused panel, the project's street, the district and its
    supervisor (监督员). (`seat`: gives the user's panel seat on the bid's project, when it is known.)"""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role is Role.organization and user.organization_id in member_org_ids(bid):
        return True
    if clock.now() < bid.project.bid_deadline or bid.project.status in (ProjectStatus.bidding, ProjectStatus.draft):
        return False
    if user.role in (Role.admin, Role.supervisor) or (
            user.role is Role.street and user.street_id == bid.project.street_id):
        return True
    member = seat() if seat is not None else records.panel_member(bid.project, user)
    return member is not None and member.declared_at is not None and member.recused_at is None


def readable(user: Any, project: Project, candidates: list[Bid]) -> dict[int, bool]:
    """`can_read` for each of a project's bids, the user's panel seat asked once for them all."""
    found: list[Any] = []

    def seat() -> Any:
        if not found:
            found.append(records.panel_member(project, user))
        return found[0]

    return {b.id: can_read(user, b, seat) for b in candidates}


def full_letters(user: Any, project: Project, candidates: list[Bid]) -> set[int]:
    """Which of these bids' full letters (plan, team, outputs, schedule, budget lines) `user` may
    read: those `can_read` allows (the bidder; after the deadline the panel, the street, the
    district) and, once the project is awarded, the winning bid for everyone. Of every other bid
    the public sees only its summary, scores and reasons (SPEC §3)."""
    decision = records.current_award(project)
    winner = decision.bid_id if decision is not None else None
    allowed = readable(user, project, candidates)
    return {b.id for b in candidates if b.id == winner or allowed[b.id]}


# --- the intent letter -------------------------------------------------------------------

def own_bid(org: Organization, project: Project) -> Bid | None:
    return db.session.scalar(select(Bid).where(Bid.project_id == project.id, Bid.organization_id == org.id))


def _parse_budget(lines: list[dict[str, Any]], cap: Decimal) -> tuple[list[dict[str, str]], Decimal]:
    items, total = [], Decimal(0)
    for line in lines:
        name = (line.get("item") or "").strip()
        raw = str(line.get("amount") or "").strip().replace(",", "")
        if not name and not raw:
            continue
        if not name:
            raise ValidationError(_l("Every budget line needs a description."), field="budget")
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            raise ValidationError(_l("“%(v)s” is not an amount.", v=raw), field="budget") from None
        if not amount.is_finite() or amount <= 0:
            raise ValidationError(_l("Budget amounts must be above 0."), field="budget")
        if amount > cap:  # (also keeps absurd numbers such as 1e309 away from quantize and the database)
            raise ValidationError(_l("The budget totals %(t)s yuan, above the project's cap of %(cap)s yuan.",
                                     t=amount, cap=cap), field="budget")
        amount = amount.quantize(Decimal("0.01"))
        items.append({"item": name[:100], "amount": str(amount)})
        total += amount
    if total > cap:
        raise ValidationError(_l("The budget totals %(t)s yuan, above the project's cap of %(cap)s yuan.",
                                 t=total, cap=cap), field="budget")
    return items, total


def save(actor: User, project: Project, data: dict[str, Any]) -> Bid:
    """Create or update the organization's draft (or its submitted bid, which then needs resubmitting)."""
    ensure_open(project)  # a stale form after the deadline gets the deadline, not a bare refusal
    permissions.require(actor, "bid.prepare", project)
    org = actor.organization
    found = refusals(org, project)
    if found:
        raise InvalidTransition(found[0].message)
    bid = own_bid(org, project)
    if bid is None:
        bid = Bid(project_id=project.id, organization_id=org.id, status=BidStatus.draft)
        db.session.add(bid)
    elif bid.status in (BidStatus.withdrawn, BidStatus.ineligible):
        bid.status, bid.withdrawn_at, bid.status_reason = BidStatus.draft, None, None
    for key in CONTENT_FIELDS:
        value = (data.get(key) or "").strip()
        limit = SUMMARY_MAX if key == "summary" else 10_000
        if len(value) > limit:
            raise ValidationError(_l("At most %(n)s characters.", n=limit), field=key)
        setattr(bid, key, value)
    bid.budget_items, bid.budget_total = _parse_budget(data.get("budget") or [], project.budget_cap)
    if bid.status is BidStatus.submitted:
        bid.status = BidStatus.draft  # changed after submission: it must be submitted again
    bid.version = (bid.version or 0) + 1
    db.session.flush()
    audit.append(actor, "bid.saved", bid, {"project": project.code})  # no content: it is sealed
    return bid


_SAFE_NAME = re.compile(r"[^\w.\-\u4e00-\u9fff ]+")


def clean_filename(name: str) -> str:
    """A display name without any path, control character or surprise."""
    base = (name or "file").replace("\\", "/").rsplit("/", 1)[-1]
    base = _SAFE_NAME.sub("_", base).strip(" ._") or "file"
    return base[:100]


def check_attachment(data: bytes) -> tuple[bytes, str, str]:
    """(what to store, content type, extension) for a real PDF (parsed) or image (encoded again
    without its metadata); the name and the declared type are ignored."""
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    if len(data) > limit:
        raise ValidationError(_l("An attachment can be at most %(mb)s MB.", mb=limit // (1024 * 1024)),
                              field="attachments")
    if data.startswith(b"%PDF-"):
        uploads.check_pdf(data)
        return data, "application/pdf", "pdf"
    try:
        return uploads.clean_image(data, field="attachments")
    except uploads.TooManyPixels:
        raise
    except ValidationError:
        raise ValidationError(_l("Attachments must be PDF files or photos (JPEG, PNG, WebP)."),
                              field="attachments") from None


def add_attachments(actor: User, bid: Bid, files: list[Any]) -> list[BidAttachment]:
    ensure_open(bid.project)
    permissions.require(actor, "bid.edit", bid)
    files = [f for f in files if f and getattr(f, "filename", "")]
    if len(bid.attachments) + len(files) > current_app.config["MAX_ATTACHMENTS"]:
        raise ValidationError(_l("At most %(n)s attachments.", n=current_app.config["MAX_ATTACHMENTS"]),
                              field="attachments")
    checked = []
    for f in files:
        data, content_type, ext = check_attachment(f.read(current_app.config["MAX_ATTACHMENT_BYTES"] + 1))
        checked.append((f.filename, data, content_type, ext))
    added = []
    for name, data, content_type, ext in checked:
        stored = f"{secrets.token_hex(16)}.{ext}"
        (uploads.folder("bids") / stored).write_bytes(data)
        attachment = BidAttachment(stored_name=stored, original_name=clean_filename(name), content_type=content_type,
                                   size=len(data), sha256=hashlib.sha256(data).hexdigest())
        bid.attachments.append(attachment)
        added.append(attachment)
    if added and bid.status is BidStatus.submitted:
        bid.status = BidStatus.draft
    db.session.flush()
    audit.append(actor, "bid.attachments_added", bid, {"count": len(added)})
    return added


def amount_text(value: Any) -> str:
    """The one canonical form of an amount in a receipt: yuan with two decimals ("56000.00")."""
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def receipt_document(bid: Bid) -> dict[str, Any]:
    """The canonical document of a bid's receipt: everything the panel will read — the summary and
    the texts, the budget, the confirmed partners and the SHA-256 of each file. Its digest is SHA-256
    of its canonical JSON (`audit.canonical`). A bid without a summary (submitted before summaries
    were asked for) has no "summary" key, so its earlier receipts still verify."""
    summary = {"summary": bid.summary} if bid.summary else {}
    return {
        "project": bid.project.code, "organization": bid.organization.uscc, **summary,
        **{k: getattr(bid, k) or "" for k in LETTER_FIELDS},
        "budget": [{"item": i["item"], "amount": amount_text(i["amount"])} for i in bid.budget_items or []],
        "budget_total": amount_text(bid.budget_total or 0),
        "partners": sorted([p.organization.uscc, p.role, p.work_share, amount_text(p.budget_share)]
                           for p in bid.partners if p.status is PartnerStatus.confirmed),
        "files": sorted(a.sha256 for a in bid.attachments),
    }


def receipt_bytes(bid: Bid) -> bytes:
    return audit.canonical(receipt_document(bid))


def content_digest(bid: Bid) -> str:
    """SHA-256 of the bid's canonical receipt document."""
    return hashlib.sha256(receipt_bytes(bid)).hexdigest()


@audit.row_document("bids")
def _bid_row(bid: Bid) -> dict[str, Any]:
    return receipt_document(bid)


@audit.row_document("bid_receipts")
def _receipt_row(receipt: BidReceipt) -> dict[str, Any]:
    return audit.columns_document(receipt)


def submit(actor: User, bid: Bid) -> BidReceipt:
    """Submit (or resubmit) before the deadline; returns the receipt."""
    project = db.session.scalar(select(Project).where(Project.id == bid.project_id).with_for_update())
    ensure_open(project)
    permissions.require(actor, "bid.edit", bid)
    found = refusals(bid.organization, project)
    if found:
        raise InvalidTransition(found[0].message)
    if not bid.summary:
        raise ValidationError(_l("Write the summary before submitting: it is published after the award."),
                              field="summary")
    if not bid.plan or not bid.team or not bid.budget_items:
        raise ValidationError(_l("Fill in at least the service plan, the team and the budget before submitting."))
    pending = [p for p in bid.partners if p.status is PartnerStatus.invited]
    if pending:
        raise InvalidTransition(_l("Partner %(name)s has not confirmed yet; a joint bid is submitted once every "
                                   "partner has confirmed.", name=pending[0].organization.name))
    for partner in (p for p in bid.partners if p.status is PartnerStatus.confirmed):
        partner_refusals = refusals(partner.organization, project)
        if partner_refusals:
            raise InvalidTransition(_l("Partner %(name)s may not take part: %(why)s", name=partner.organization.name,
                                       why=partner_refusals[0].message))
    now = clock.now()
    document = receipt_bytes(bid)
    bid.status, bid.submitted_at = BidStatus.submitted, now
    bid.digest = hashlib.sha256(document).hexdigest()
    receipt = BidReceipt(project_id=project.id, digest=bid.digest, submitted_at=now, process=project.process,
                         document=document.decode())
    bid.receipts.append(receipt)
    db.session.flush()
    audit.append(actor, "bid.submitted", bid, {"project": project.code, "digest": bid.digest}, rows=[receipt])
    return receipt


def withdraw(actor: User, bid: Bid) -> None:
    ensure_open(bid.project)
    permissions.require(actor, "bid.edit", bid)
    if bid.status not in (BidStatus.draft, BidStatus.submitted):
        raise InvalidTransition(_l("This bid cannot be withdrawn now."))
    bid.status, bid.withdrawn_at = BidStatus.withdrawn, clock.now()
    audit.append(actor, "bid.withdrawn", bid, {"project": bid.project.code})


# --- joint bids ----------------------------------------------------------------------------

def invite_partner(actor: User, bid: Bid, partner_org: Organization, role: str, work_share: int,
                   budget_share: Decimal) -> BidPartner:
    ensure_open(bid.project)
    permissions.require(actor, "bid.edit", bid)
    if partner_org.id == bid.organization_id:
        raise ValidationError(_l("The lead organization cannot be its own partner."), field="partner")
    if any(p.organization_id == partner_org.id for p in bid.partners):
        raise ValidationError(_l("This organization is already invited."), field="partner")
    maximum = rules.get_rule("bid.max_partners")
    if len([p for p in bid.partners if p.status is not PartnerStatus.declined]) >= maximum:
        raise ValidationError(_l("A joint bid has at most %(n)s partners besides the lead.", n=maximum), field="partner")
    if not 0 <= work_share <= 100:
        raise ValidationError(_l("The share of work is a percentage from 0 to 100."), field="work_share")
    if budget_share < 0 or budget_share > bid.budget_total:
        raise ValidationError(_l("The partner's budget share must be within the bid's total."), field="budget_share")
    partner = BidPartner(organization_id=partner_org.id, role=(role or "").strip()[:200], work_share=work_share,
                         budget_share=Decimal(amount_text(budget_share)))
    bid.partners.append(partner)
    if bid.status is BidStatus.submitted:
        bid.status = BidStatus.draft
    db.session.flush()
    audit.append(actor, "bid.partner_invited", bid, {"partner": partner_org.id})
    notify.notify(db.session.scalars(select(User).where(User.organization_id == partner_org.id)), "partner.invited",
                  {"code": bid.project.code}, f"/projects/{bid.project.code}/bid")
    return partner


def answer_invitation(actor: User, partner: BidPartner, accept: bool) -> None:
    """The partner organization confirms (or declines) inside its own account."""
    permissions.require(actor, "bid.confirm_partner", partner)
    ensure_open(partner.bid.project)
    if accept:
        found = refusals(partner.organization, partner.bid.project)
        if found:
            raise InvalidTransition(found[0].message)
        partner.status, partner.confirmed_at = PartnerStatus.confirmed, clock.now()
    else:
        partner.status = PartnerStatus.declined
    audit.append(actor, "bid.partner_confirmed" if accept else "bid.partner_declined", partner.bid,
                 {"partner": partner.organization_id})


def invitations(org_id: int) -> list[BidPartner]:
    return list(db.session.scalars(select(BidPartner).join(Bid).join(Project).where(
        BidPartner.organization_id == org_id, BidPartner.status == PartnerStatus.invited,
        Project.status == ProjectStatus.bidding)))


def public_receipts(project: Project) -> list[BidReceipt]:
    """Digests and times of every submission — public from submission on (never the content)."""
    return list(db.session.scalars(select(BidReceipt).where(BidReceipt.project_id == project.id)
                                   .order_by(BidReceipt.submitted_at, BidReceipt.id)))


# --- receipts anyone can recompute ----------------------------------------------------------------------

def receipt_text(receipt: BidReceipt) -> str | None:
    """The exact canonical JSON that was hashed for this receipt: `sha256sum` of it gives the digest."""
    return receipt.document


def winner_receipt(project: Project) -> BidReceipt | None:
    """After the award, the winning bid's last receipt is public (losing bids stay private)."""
    decision = records.current_award(project)
    if decision is None:
        return None
    return db.session.scalar(select(BidReceipt).where(BidReceipt.bid_id == decision.bid_id)
                             .order_by(BidReceipt.id.desc()).limit(1))


@dataclass
class ReceiptCheck:
    receipt: BidReceipt
    project_code: str
    entry_seq: int | None
    entry_at: Any


def check_digest(raw: str) -> ReceiptCheck | None:
    """查验回执: the receipt with this digest, its project and the chain entry that recorded it."""
    value = (raw or "").strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise ValidationError(_l("A receipt digest is 64 hexadecimal characters (0–9, a–f)."), field="digest")
    receipt = db.session.scalar(select(BidReceipt).where(BidReceipt.digest == value).order_by(BidReceipt.id).limit(1))
    if receipt is None:
        return None
    code = db.session.scalar(select(Project.code).where(Project.id == receipt.project_id))
    entries = db.session.execute(select(AuditEntry.seq, AuditEntry.created_at, AuditEntry.payload).where(
        AuditEntry.subject_type == "bids", AuditEntry.subject_id == receipt.bid_id,
        AuditEntry.action == "bid.submitted").order_by(AuditEntry.seq)).all()
    entry = next((e for e in entries if (e.payload or {}).get("digest") == value), None)
    return ReceiptCheck(receipt, code, entry.seq if entry else None, entry.created_at if entry else None)


def _legacy_digests(bid: Bid) -> set[str]:
    """Receipts issued before the canonical form was fixed (json.dumps with default separators; amounts
    as typed, so a joint bid's "56000" may be stored "56000.00" now): the forms they could have had."""
    out = set()
    for trim in (False, True):
        def amount(v: Any) -> str:
            text = str(v)
            return text[:-3] if trim and text.endswith(".00") else text
        body = {
            "project": bid.project.code, "organization": bid.organization.uscc,
            **{k: getattr(bid, k) for k in LETTER_FIELDS}, "budget": bid.budget_items,
            "budget_total": str(bid.budget_total),
            "partners": sorted([p.organization.uscc, p.role, p.work_share, amount(p.budget_share)]
                               for p in bid.partners if p.status is PartnerStatus.confirmed),
            "files": sorted(a.sha256 for a in bid.attachments),
        }
        out.add(hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest())
    return out


def verify_receipts(batch: int = 500) -> tuple[int, list[str]]:
    """Re-derive every receipt ever issued: its stored document hashes to its digest, the chain recorded
    that digest, and a bid's last receipt equals the document of the bid as stored now (a bid changed
    after the deadline, or a receipt edited, is named). Streams in batches."""
    problems: list[str] = []
    checked, after = 0, 0
    while True:
        receipts = db.session.scalars(select(BidReceipt).where(BidReceipt.id > after).order_by(BidReceipt.id)
                                      .limit(batch)).all()
        if not receipts:
            break
        bid_ids = {r.bid_id for r in receipts}
        last = dict(db.session.execute(select(BidReceipt.bid_id, func.max(BidReceipt.id))
                                       .where(BidReceipt.bid_id.in_(bid_ids)).group_by(BidReceipt.bid_id)).all())
        chained: dict[int, set[str]] = {}
        for e in db.session.execute(select(AuditEntry.subject_id, AuditEntry.payload).where(
                AuditEntry.subject_type == "bids", AuditEntry.subject_id.in_(bid_ids),
                AuditEntry.action == "bid.submitted")):
            chained.setdefault(e.subject_id, set()).add((e.payload or {}).get("digest"))
        for r in receipts:
            checked += 1
            where = f"receipt #{r.id} ({r.digest[:12]}…, bid #{r.bid_id})"
            if r.document is not None and hashlib.sha256(r.document.encode()).hexdigest() != r.digest:
                problems.append(f"{where}: its document does not hash to its digest")
            if r.digest not in chained.get(r.bid_id, set()):
                problems.append(f"{where}: the chain has no submission with this digest")
            bid = r.bid
            if last.get(r.bid_id) == r.id and bid.status not in (BidStatus.draft, BidStatus.withdrawn):
                current = content_digest(bid)
                if current != r.digest and (r.document is not None or r.digest not in _legacy_digests(bid)):
                    problems.append(f"{where}: the bid as stored now hashes to {current}, not to its receipt")
        after = receipts[-1].id
    return checked, problems
