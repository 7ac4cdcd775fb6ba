"""A flag's life: the supervisor opens its evidence (with a reason), then dismisses it (with a reason)
or refers it (with a reason, to whom). Every step is on the audit chain; nothing is ever deleted, and
nothing here changes a tender, a score or an organization — a flag is a question for people."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select

from marketplace.domain.core import audit, clock, permissions, rules
from marketplace.domain.core.errors import InvalidTransition, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    FlagLook,
    FlagStatus,
    IntegrityFlag,
    Organization,
    Project,
    Severity,
    Signal,
    User,
    flag_projects,
)
from marketplace.domain.integrity import signals

#: an opened flag's evidence stays readable to the one who opened it for this long; after that
#: another look is another entry on the chain
LOOK_HOURS = 8
REASON_MIN = 4
REASON_MAX = 1000


def _reason(text: str | None, field: str = "reason") -> str:
    text = (text or "").strip()
    if len(text) < REASON_MIN:
        raise ValidationError(_l("Give a reason of at least %(n)s characters.", n=REASON_MIN), field=field)
    if len(text) > REASON_MAX:
        raise ValidationError(_l("The reason is too long (at most %(n)s characters).", n=REASON_MAX), field=field)
    return text


def open_evidence(actor: User, flag: IntegrityFlag, reason: str) -> FlagLook:
    permissions.require(actor, "integrity.desk", flag)
    look = FlagLook(flag_id=flag.id, user_id=actor.id, opened_at=clock.now(), reason=_reason(reason))
    db.session.add(look)
    audit.append(actor, "integrity.flag_opened", flag, {"kind": flag.signal.value, "reason": look.reason})
    return look


def may_read(actor: Any, flag: IntegrityFlag) -> bool:
    """The evidence shows to a supervisor who opened it, with a reason, within LOOK_HOURS."""
    if not permissions.can(actor, "integrity.desk", flag):
        return False
    since = clock.now() - timedelta(hours=LOOK_HOURS)
    return db.session.scalar(select(FlagLook.id).where(
        FlagLook.flag_id == flag.id, FlagLook.user_id == actor.id, FlagLook.opened_at >= since).limit(1)) is not None


def _decide(actor: User, flag: IntegrityFlag, status: FlagStatus, reason: str, referred_to: str | None = None) -> None:
    if not permissions.can(actor, "integrity.flag.decide", flag):
        raise InvalidTransition(_l("This flag has already been decided."))
    if not may_read(actor, flag):
        raise InvalidTransition(_l("Open the evidence before deciding."))
    flag.decision_reason = _reason(reason)
    flag.status, flag.decided_at, flag.decided_by_id = status, clock.now(), actor.id
    flag.referred_to = referred_to
    payload = {"kind": flag.signal.value, "status": status.value, "reason": flag.decision_reason}
    if referred_to:
        payload["to"] = referred_to
    audit.append(actor, f"integrity.flag_{status.value}", flag, payload)


def dismiss(actor: User, flag: IntegrityFlag, reason: str) -> None:
    _decide(actor, flag, FlagStatus.dismissed, reason)


def refer(actor: User, flag: IntegrityFlag, reason: str, to: str) -> None:
    to = (to or "").strip()
    if not to:
        raise ValidationError(_l("Say to whom the flag is referred."), field="to")
    if len(to) > 200:
        raise ValidationError(_l("At most 200 characters."), field="to")
    _decide(actor, flag, FlagStatus.referred, reason, to)


# --- the desk -----------------------------------------------------------------------------------------------

SEVERITY_RANK = case({"high": 0, "medium": 1, "low": 2}, value=IntegrityFlag.severity)


def desk_query(status: str = "open", signal: str = "", severity: str = "", street: int | None = None) -> Select[Any]:
    query = select(IntegrityFlag)
    if status in FlagStatus._value2member_map_:
        query = query.where(IntegrityFlag.status == FlagStatus(status))
    if signal in Signal._value2member_map_:
        query = query.where(IntegrityFlag.signal == Signal(signal))
    if severity in Severity._value2member_map_:
        query = query.where(IntegrityFlag.severity == Severity(severity))
    if street:
        query = query.where(IntegrityFlag.id.in_(
            select(flag_projects.c.flag_id).join(Project, Project.id == flag_projects.c.project_id)
            .where(Project.street_id == street)))
    return query.order_by(SEVERITY_RANK, IntegrityFlag.measure.desc(), IntegrityFlag.id)


def open_for_project(project: Project) -> list[IntegrityFlag]:
    """The tender's open flags, most severe first (the supervisor's panel on the tender page)."""
    return list(db.session.scalars(
        select(IntegrityFlag).where(IntegrityFlag.status == FlagStatus.open, IntegrityFlag.id.in_(
            select(flag_projects.c.flag_id).where(flag_projects.c.project_id == project.id)))
        .order_by(SEVERITY_RANK, IntegrityFlag.measure.desc(), IntegrityFlag.id)))


def counts() -> dict[str, int]:
    """Open flags by severity."""
    return {s.value if hasattr(s, "value") else s: n for s, n in db.session.execute(
        select(IntegrityFlag.severity, func.count()).where(IntegrityFlag.status == FlagStatus.open)
        .group_by(IntegrityFlag.severity))}


def names(flags: list[IntegrityFlag]) -> dict[str, dict[int, Any]]:
    """Projects, organizations and people the flags name (three queries for any number of flags)."""
    project_ids, org_ids, user_ids = set(), set(), set()
    for flag in flags:
        org_ids |= set(flag.organization_ids or [])
        user_ids |= set(flag.user_ids or [])
        for row in (flag.evidence or {}).get("rows", []):
            project_ids |= {row[k] for k in ("project", "other_project") if row.get(k)}
            if row.get("org"):
                org_ids.add(row["org"])
    return {
        "projects": {p.id: p for p in db.session.scalars(select(Project).where(Project.id.in_(project_ids)))}
        if project_ids else {},
        "orgs": dict(db.session.execute(select(Organization.id, Organization.name).where(
            Organization.id.in_(org_ids))).all()) if org_ids else {},
        "users": {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {},
    }


def project_ids(flag: IntegrityFlag, named: dict[str, dict[int, Any]]) -> list[int]:
    """The tenders a flag's evidence names, in order, once each (those loaded in `named`)."""
    seen: list[int] = []
    for row in (flag.evidence or {}).get("rows", []):
        for key in ("project", "other_project"):
            value = row.get(key)
            if value and value not in seen and value in named["projects"]:
                seen.append(value)
    return seen


def looks(flag: IntegrityFlag) -> list[Any]:
    """Every look at the flag's evidence with who looked (one query): the record of the looks is itself
    shown, with the name and role of each supervisor."""
    return list(db.session.execute(select(FlagLook, User).join(User, User.id == FlagLook.user_id)
                                   .where(FlagLook.flag_id == flag.id).order_by(FlagLook.id)).all())


# --- wording ---------------------------------------------------------------------------------------------

def summary(flag: IntegrityFlag, named: dict[str, dict[int, Any]]) -> str:
    """The finding in one sentence, with its numbers (in the reader's language)."""
    f = flag.facts or {}
    users = [str(named["users"][u].display_name) for u in flag.user_ids or [] if u in named["users"]]
    orgs = [str(named["orgs"][o]) for o in flag.organization_ids or [] if o in named["orgs"]]
    who, org = "、".join(users) or "—", "、".join(orgs) or "—"
    s = flag.signal
    if s is Signal.outlier_rater:
        return _("%(who)s's scores stray from the panel's trimmed mean by a median of %(dev)s points over "
                 "%(n)s tenders (robust z %(z)s; far out in %(far)s of them; the district's median deviation "
                 "is %(base)s).", who=who, dev=f["deviation"], n=f["tenders"], z=f["z"], far=f["far"],
                 base=f["district_median"])
    if s is Signal.favouritism:
        return _("%(who)s scored %(org)s %(lift)s points above the panel's consensus on average over %(n)s "
                 "tenders (above it in %(pos)s%% of them) and ranked it first %(first)s times, where the "
                 "panel did %(panel)s times.", who=who, org=org, lift=f["lift"], n=f["tenders"],
                 pos=f["positive"], first=f["first"], panel=f["panel_first"])
    if s is Signal.similar_bids:
        return _("The intent letters of %(orgs)s are near-duplicates (up to %(j)s%% of their word shingles "
                 "shared; %(n)s pairs; in the same tender: %(same)s).", orgs=org, j=f["jaccard"], n=f["pairs"],
                 same=_("yes") if f["same_tender"] else _("no"))
    if s is Signal.same_attachment:
        return _("%(orgs)s attached the same file (%(n)s identical digests; in the same tender: %(same)s).",
                 orgs=org, n=f["files"], same=_("yes") if f["same_tender"] else _("no"))
    if s is Signal.shared_identity:
        fields = "、".join(str(IDENTITY_LABELS.get(x, x)) for x in f["fields"])
        return _("%(orgs)s bid against each other in %(n)s tenders while sharing: %(fields)s.", orgs=org,
                 n=f["tenders"], fields=fields)
    if s is Signal.price_outlier:
        return _("The winning price %(price)s yuan is %(ratio)s times the median winning price of its "
                 "category (%(median)s yuan over %(n)s awards; robust z %(z)s).", price=f["price"],
                 ratio=f["ratio"], median=f["median"], n=f["awards"], z=f["z"])
    if s is Signal.under_cap:
        return _("All %(n)s bids lie within %(band)s%% under the cap of %(cap)s yuan (the lowest %(low)s yuan).",
                 n=f["bids"], band=f["band"], cap=f["cap"], low=f["lowest"])
    if s is Signal.concentration:
        return _("In this street and category one organization (%(org)s) took %(share)s%% of the money over "
                 "%(n)s awards (HHI %(hhi)s of 10,000) while tenders drew %(bidders)s bids on average.",
                 org=org, share=f["share"], n=f["awards"], hhi=f["hhi"], bidders=f["bidders"])
    if s is Signal.hurried_scoring:
        return _("%(who)s entered %(n)s scores a median of %(gap)s seconds apart, %(share)s%% of the reasons "
                 "identical (“%(reason)s”).", who=who, n=f["scores"], gap=f["gap"], share=f["share"],
                 reason=f["reason"])
    if s is Signal.rotation:
        head = _("%(orgs)s bid against each other, and nobody else, in %(n)s tenders; %(winners)s of them won.",
                 orgs=org, n=f["tenders"], winners=f["winners"])
        if f.get("by_score", True):
            tail = _("The losing bids were never competitive: the best of them trailed the winner by %(gap)s "
                     "points of the panel's score at least (median %(median)s).", gap=f["gap"], median=f["median_gap"])
        else:
            tail = _("The losing bids were never competitive: the best of them trailed the winner by at least "
                     "%(gap)s (points of the panel's score, or per cent more in price where nobody scored; median "
                     "%(median)s).", gap=f["gap"], median=f["median_gap"])
        return f"{head} {tail}"
    return str(s.label)


IDENTITY_LABELS = {"legal_representative": _l("legal representative"), "phone": _l("contact phone"),
                   "email": _l("e-mail"), "address": _l("address")}

#: what each signal means, for the desk and /rules (the thresholds are in `signals`)
EXPLANATIONS = {
    Signal.outlier_rater: _l("A panel member whose scores stray far from the rest of the panel, tender after tender."),
    Signal.favouritism: _l("A panel member who scores one organization above the panel's consensus, or always ranks it first, across tenders."),
    Signal.similar_bids: _l("Intent letters of competing organizations that are nearly the same text, or the same budget."),
    Signal.same_attachment: _l("Competing organizations attaching the very same file."),
    Signal.shared_identity: _l("Organizations bidding against each other while sharing a legal representative, phone, e-mail or address."),
    Signal.price_outlier: _l("A winning price far from the winning prices of its category."),
    Signal.under_cap: _l("Every bid of a tender just under the budget cap."),
    Signal.concentration: _l("One organization taking most of a street's awards in a category, with little competition."),
    Signal.hurried_scoring: _l("A panel member's scores entered seconds apart with the same reason."),
    Signal.rotation: _l("The same few organizations bidding only against each other, tender after tender, the losers never close to winning — taking turns, or covering for one winner."),
}


def _pct(value: float) -> str:
    return f"{value * 100:g}%"


def _num(value: float) -> str:
    return f"{value:g}"


#: every threshold of `signals`, each row naming the constants it shows (a test checks none is left out)
THRESHOLD_ROWS: list[tuple[Any, tuple[tuple[str, Any], ...]]] = [
    (_l("Robust z-scores: the median absolute deviation, times 1.4826, is never taken as less than (points)"),
     (("ROBUST_SCALE_FLOOR", _num),)),
    (_l("Outlier rater: tenders at least, median robust z at least, median deviation at least (points); "
        "high from a median robust z of"),
     (("OUTLIER_MIN_TENDERS", _num), ("OUTLIER_Z", _num), ("OUTLIER_MIN_POINTS", _num), ("OUTLIER_HIGH_Z", _num))),
    (_l("Favouritism: tenders at least, mean lift at least (points), share of tenders lifted; or ranked first "
        "every time while the panel did in at most this share; high from a lift of (points)"),
     (("FAVOUR_MIN_TENDERS", _num), ("FAVOUR_MIN_LIFT", _num), ("FAVOUR_CONSISTENCY", _pct),
      ("FAVOUR_PANEL_FIRST_SHARE", _pct), ("FAVOUR_HIGH_LIFT", _num))),
    (_l("Near-duplicate letters: words per shingle, Jaccard similarity of word shingles at least, letters of "
        "fewer shingles not compared, MinHash permutations (candidates; the exact similarity decides)"),
     (("SHINGLE", _num), ("SIMILAR_JACCARD", _pct), ("SIMILAR_MIN_SHINGLES", _num), ("MINHASH_PERMUTATIONS", _num))),
    (_l("Identical budgets: lines at least (same items and amounts, in one tender)"), (("BUDGET_MIN_LINES", _num),)),
    (_l("Identical attachments: a file in this many organizations' bids is a common form"),
     (("ATTACHMENT_COMMON_ORGS", _num),)),
    (_l("Price outlier: awards in the category at least, robust z at least; high from a robust z of"),
     (("PRICE_MIN_AWARDS", _num), ("PRICE_Z", _num), ("PRICE_HIGH_Z", _num))),
    (_l("Bids under the cap: bids at least, all within this much of the cap"),
     (("UNDER_CAP_MIN_BIDS", _num), ("UNDER_CAP_BAND", _pct))),
    (_l("Concentration: awards at least, HHI at least (of 10,000), mean bids per tender at most"),
     (("CONCENTRATION_MIN_AWARDS", _num), ("HHI_THRESHOLD", lambda v: f"{v * 10000:g}"),
      ("CONCENTRATION_MAX_BIDDERS", _num))),
    (_l("Hurried scoring: scores at least, median seconds apart at most, identical reasons at least"),
     (("HURRY_MIN_SCORES", _num), ("HURRY_GAP_SECONDS", _num), ("HURRY_BOILERPLATE_SHARE", _pct))),
    (_l("Rotation and cover bidding: organizations bidding only among themselves at most, tenders at least, "
        "the best losing bid behind the winner by at least (points of the panel's score; without scores, "
        "per cent of the price), in this share of the tenders, different winners for a rotation"),
     (("ROTATION_MAX_RING", _num), ("ROTATION_MIN_TENDERS", _num), ("COVER_SCORE_GAP", _num),
      ("COVER_PRICE_GAP", _pct), ("COVER_SHARE", _pct), ("ROTATION_MIN_WINNERS", _num))),
]


def thresholds() -> list[tuple[Any, str]]:
    """The signals' thresholds, for /rules (public: everyone knows the platform looks), with the two rules
    of the flag process: the panel's consensus trims as the award does, and an opened flag stays open
    to the one who opened it for LOOK_HOURS."""
    rows = [(label, " · ".join(fmt(getattr(signals, name)) for name, fmt in names))
            for label, names in THRESHOLD_ROWS]
    rows.append((_l("A panel's consensus drops its highest and lowest score from this many scores "
                    "(the award's own rule)"), str(rules.get_rule("award.trim_at"))))
    rows.append((_l("An opened flag's evidence stays open to the supervisor who opened it (hours; then another "
                    "look is another entry on the chain)"), str(LOOK_HOURS)))
    return rows
