"""承榜: closing the bidding, the panel (conflicts, declarations, recusals), roadshows, independent
scoring, the ranking, the award with its public notice, objections, finalisation and the contract."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.domain.core.records import awards_of, current_award, panel_member  # noqa: F401 (part of the stage's vocabulary)
from marketplace.domain.core import audit, clock, notify, permissions, rules, scoring
from marketplace.domain.credit import ledger
from marketplace.domain.orgs import standing
from marketplace.domain.tender.bids import content_digest, refusals
from marketplace.domain.core.criteria import clean_scores
from marketplace.domain.core.errors import InvalidTransition, ValidationError, free_text
from marketplace.domain.tender.projects import validate_window
from marketplace.extensions import db
from marketplace.models import (
    Organization,
    Affiliation,
    AffiliationKind,
    Award,
    AwardStatus,
    Bid,
    BidPartner,
    BidScore,
    BidStatus,
    Contract,
    Objection,
    ObjectionStatus,
    PanelMember,
    PanelRole,
    PartnerStatus,
    Project,
    ProjectStatus,
    Regime,
    Role,
    RoadshowSlot,
    User,
)

PRICE = "price"


def _locked(project: Project) -> Project:
    """The project row, locked for the rest of the transaction (concurrent closings and awards queue)."""
    return db.session.scalar(select(Project).where(Project.id == project.id).with_for_update()
                             .execution_options(populate_existing=True))


# --- closing ----------------------------------------------------------------------------------

def close_if_due(project: Project) -> bool:
    """At the deadline bidding closes by itself: eligible bids go to the panel; none → 流标."""
    if project.status is not ProjectStatus.bidding or clock.now() < project.bid_deadline:
        return False
    project = _locked(project)
    if project.status is not ProjectStatus.bidding:
        return False  # another request closed it
    eligible = 0
    for bid in db.session.scalars(select(Bid).where(Bid.project_id == project.id)):
        if bid.status is BidStatus.draft:
            bid.status, bid.withdrawn_at, bid.status_reason = BidStatus.withdrawn, clock.now(), "not submitted"
            continue
        if bid.status is not BidStatus.submitted:
            continue
        found = refusals(bid.organization, project)
        if found:
            bid.status, bid.status_reason = BidStatus.ineligible, found[0].message
        else:
            eligible += 1
    project.status = ProjectStatus.reviewing if eligible else ProjectStatus.failed
    audit.append("system", "project.bidding_closed" if eligible else "project.failed", project,
                 {"eligible_bids": eligible})
    return True


def republish(actor: User, project: Project, bid_deadline: datetime, qa_deadline: datetime) -> None:
    """A failed tender is published again with new dates."""
    permissions.require(actor, "project.republish", project)
    validate_window(bid_deadline, qa_deadline, clock.now())
    for bid in db.session.scalars(select(Bid).where(Bid.project_id == project.id, Bid.status.in_(
            (BidStatus.awarded, BidStatus.lost, BidStatus.submitted, BidStatus.ineligible)))):
        bid.status, bid.withdrawn_at = BidStatus.withdrawn, clock.now()  # the earlier round is closed
        bid.status_reason = bid.status_reason or "earlier round"
    ended = project.status
    project.bid_deadline, project.qa_deadline = bid_deadline, qa_deadline
    project.status, project.published_at = ProjectStatus.bidding, clock.now()
    project.process = (project.process or 1) + 1  # a new contracting process (a new OCDS ocid)
    audit.append(actor, "project.republished", project, {
        "bid_deadline": bid_deadline.isoformat(), "qa_deadline": qa_deadline.isoformat(),
        "process": project.process, "ended": ended.value})


def eligible_bids(project: Project, letters: bool = False) -> list[Bid]:
    """The submitted bids with their organizations, first submitted first (`letters`: with their
    partners and attachments too, for a page that shows each letter)."""
    query = select(Bid).where(
        Bid.project_id == project.id, Bid.status.in_((BidStatus.submitted, BidStatus.awarded, BidStatus.lost))
    ).options(joinedload(Bid.organization))
    if letters:
        query = query.options(selectinload(Bid.partners).joinedload(BidPartner.organization),
                              selectinload(Bid.attachments))
    return list(db.session.scalars(query.order_by(Bid.submitted_at, Bid.id)).unique())


def scores_of(member: PanelMember, candidates: list[Bid]) -> dict[int, BidScore | None]:
    """The member's score of each of these bids (None where not scored yet), in one query."""
    if not candidates:
        return {}
    found = {s.bid_id: s for s in db.session.scalars(select(BidScore).where(
        BidScore.member_id == member.id, BidScore.bid_id.in_([b.id for b in candidates])))}
    return {b.id: found.get(b.id) for b in candidates}


# --- the panel ----------------------------------------------------------------------------------

def panel(project: Project) -> list[PanelMember]:
    """The members with their accounts and expert profiles (the panel page shows them)."""
    return list(db.session.scalars(select(PanelMember).where(PanelMember.project_id == project.id)
                                   .options(joinedload(PanelMember.user).selectinload(User.expert_profile))
                                   .order_by(PanelMember.position)))



def bidder_org_ids(project: Project) -> set[int]:
    ids: set[int] = set()
    for bid in eligible_bids(project):
        ids.add(bid.organization_id)
        ids.update(p.organization_id for p in bid.partners if p.status is PartnerStatus.confirmed)
    return ids


def panel_candidates(project: Project) -> dict[PanelRole, list[User]]:
    """Who may be picked for the panel, by role: active accounts only (the same rule as evaluators)."""
    active = User.active.is_(True)
    return {
        PanelRole.street: list(db.session.scalars(select(User).where(
            User.role == Role.street, User.street_id == project.street_id, active).order_by(User.display_name))),
        PanelRole.department: list(db.session.scalars(select(User).where(
            User.role == Role.department, active).order_by(User.display_name))),
        PanelRole.expert: list(db.session.scalars(select(User).where(
            User.role == Role.expert, active).options(selectinload(User.expert_profile)).order_by(User.display_name))),
    }


def known_ties(user: User, project: Project) -> list[str]:
    """Ties the system knows: membership or employment at a bidder, a board seat or control within
    the look-back, a past joint bid between the member's organization and a bidder."""
    return ties_of(project, [user]).get(user.id, [])


def ties_of(project: Project, users: list[User]) -> dict[int, list[str]]:
    """known_ties for several people at once (three queries whatever their number): user id → ties."""
    bidders = bidder_org_ids(project)
    if not bidders or not users:
        return {}
    today = clock.today()
    years = rules.get_rule("award.conflict_years")
    since = date(today.year - years, today.month, min(today.day, 28))
    ties: dict[int, list[str]] = {}
    own_orgs: dict[int, set[int]] = {u.id: {u.organization_id} if u.organization_id else set() for u in users}
    affiliations = db.session.scalars(select(Affiliation).where(Affiliation.user_id.in_(list(own_orgs)))
                                      .options(joinedload(Affiliation.organization)).order_by(Affiliation.id)).all()
    for a in affiliations:
        current = a.ended_on is None or a.ended_on >= today
        recent = a.ended_on is None or a.ended_on >= since
        if a.organization_id in bidders and (
                (a.kind in (AffiliationKind.member, AffiliationKind.employee) and current)
                or (a.kind in (AffiliationKind.board, AffiliationKind.control) and recent)):
            ties.setdefault(a.user_id, []).append(
                str(_l("%(kind)s of a bidder (%(org)s)", kind=a.kind.label, org=a.organization.name)))
        if recent:
            own_orgs[a.user_id].add(a.organization_id)
    if any(own_orgs.values()):
        joint = db.session.execute(select(Bid.organization_id, BidPartner.organization_id).join(BidPartner)
                                   .where(BidPartner.status == PartnerStatus.confirmed,
                                          Bid.status.in_((BidStatus.submitted, BidStatus.awarded, BidStatus.lost)),
                                          Bid.project_id != project.id)).all()
        for user_id, orgs in own_orgs.items():
            if any((lead in orgs and partner in bidders) or (partner in orgs and lead in bidders)
                   for lead, partner in joint):
                ties.setdefault(user_id, []).append(str(_l("A past joint bid with a bidder")))
    return ties


def panel_choices(project: Project) -> dict[PanelRole, list[tuple[User, list[str]]]]:
    """The panel candidates, each with the ties that keep them off (none: free to pick), shown before the pick."""
    found = panel_candidates(project)
    ties = ties_of(project, [u for users in found.values() for u in users])
    return {role: [(u, ties.get(u.id, [])) for u in users] for role, users in found.items()}


def _role_fits(user: User, role: PanelRole, project: Project) -> bool:
    if role is PanelRole.expert:
        return user.role is Role.expert
    if role is PanelRole.department:
        return user.role is Role.department
    return (user.role is Role.street and user.street_id == project.street_id) or (
        user.role is Role.secretary and user.community is not None and user.community.street_id == project.street_id)


def validate_composition(project: Project, roles: list[PanelRole]) -> None:
    size = len(roles)
    minimum = rules.get_rule("award.panel_min")
    if project.regime is Regime.government_purchase:
        minimum = max(minimum, rules.get_rule("regime.gov.panel_min"))
    if size < minimum or size % 2 == 0:
        raise ValidationError(_l("The panel needs an odd number of members, at least %(n)s.", n=minimum),
                              field="members")
    experts = roles.count(PanelRole.expert)
    if experts == 0:
        raise ValidationError(_l("The panel needs at least one industry expert."), field="members")
    if project.regime is Regime.government_purchase:
        share = Decimal(experts * 100) / size
        needed = rules.get_rule("regime.gov.expert_share_pct")
        if share < needed:
            raise ValidationError(_l("Under government purchase experts must be at least %(p)s%% of the panel.",
                                     p=needed), field="members")


def set_panel(actor: User, project: Project, selections: list[tuple[User, PanelRole]]) -> list[PanelMember]:
    permissions.require(actor, "panel.manage", project)
    if db.session.scalar(select(BidScore.id).join(PanelMember).where(PanelMember.project_id == project.id).limit(1)):
        raise InvalidTransition(_l("Scoring has started; the panel can no longer be changed."))
    users = [u for u, _r in selections]
    if len({u.id for u in users}) != len(users):
        raise ValidationError(_l("A person can sit on the panel once."), field="members")
    for user, role in selections:
        if not _role_fits(user, role, project):
            raise ValidationError(_l("%(name)s cannot sit as %(role)s.", name=user.display_name, role=role.label),
                                  field="members")
        ties = known_ties(user, project)
        if ties:
            raise ValidationError(_l("%(name)s cannot be assigned: %(tie)s.", name=user.display_name, tie=ties[0]),
                                  field="members")
    validate_composition(project, [r for _u, r in selections])
    for old in panel(project):
        db.session.delete(old)
    db.session.flush()
    members = [PanelMember(project_id=project.id, user_id=u.id, role=r, position=i + 1)
               for i, (u, r) in enumerate(selections)]
    db.session.add_all(members)
    db.session.flush()
    audit.append(actor, "panel.formed", project, {"size": len(members),
                                                  "roles": [r.value for _u, r in selections]})
    return members


def declare(actor: User, project: Project) -> None:
    """The member signs, for this project, that they have no tie with any bidder."""
    member = panel_member(project, actor)
    if member is None or project.status is not ProjectStatus.reviewing:
        raise InvalidTransition(_l("You are not on this project's panel."))
    if member.declared_at is not None:
        return
    ties = known_ties(actor, project)
    if ties:
        raise InvalidTransition(_l("You cannot declare no conflict: %(tie)s. Please recuse.", tie=ties[0]))
    member.declared_at = clock.now()
    audit.append(actor, "panel.declared", project, {"position": member.position})


def recuse(actor: User, project: Project, reason: str) -> None:
    member = panel_member(project, actor)
    if member is None or project.status is not ProjectStatus.reviewing:
        raise InvalidTransition(_l("You are not on this project's panel."))
    reason = free_text(reason)
    if not reason:
        raise ValidationError(_l("Give the reason for recusing (e.g. a close relative of a legal representative)."),
                              field="reason")
    member.recused_at, member.recusal_reason = clock.now(), reason
    audit.append(actor, "panel.recused", project, {"position": member.position})


# --- roadshow -------------------------------------------------------------------------------------

def schedule_roadshow(actor: User, bid: Bid, starts_at: datetime, place: str) -> RoadshowSlot:
    permissions.require(actor, "roadshow.schedule", bid.project)
    if bid.status is not BidStatus.submitted:
        raise InvalidTransition(_l("Only bids in competition have a roadshow."))
    place = (place or "").strip()
    if not place:
        raise ValidationError(_l("Give the place or the online link."), field="place")
    slot = db.session.scalar(select(RoadshowSlot).where(RoadshowSlot.bid_id == bid.id)) or RoadshowSlot(
        project_id=bid.project_id, bid_id=bid.id)
    slot.starts_at, slot.place = starts_at, place[:200]
    db.session.add(slot)
    db.session.flush()
    audit.append(actor, "roadshow.scheduled", bid.project, {"bid": bid.id, "at": starts_at.isoformat()})
    return slot


def roadshow_slot(bid: Bid) -> RoadshowSlot | None:
    return db.session.scalar(select(RoadshowSlot).where(RoadshowSlot.bid_id == bid.id))


def roadshow_slots(candidates: list[Bid]) -> dict[int, RoadshowSlot | None]:
    """Each bid's roadshow slot (None where none is scheduled), in one query."""
    found = {s.bid_id: s for s in db.session.scalars(select(RoadshowSlot).where(
        RoadshowSlot.bid_id.in_([b.id for b in candidates])))} if candidates else {}
    return {b.id: found.get(b.id) for b in candidates}


# --- scoring ---------------------------------------------------------------------------------------

def scored_criteria(project: Project) -> dict[str, int]:
    """What members score: every criterion but price, which is computed from the budgets."""
    return {k: v for k, v in project.criteria.items() if k != PRICE}


def score(actor: User, bid: Bid, scores: dict[str, Any]) -> BidScore:
    project = bid.project
    member = panel_member(project, actor)
    if member is None or project.status is not ProjectStatus.reviewing:
        raise InvalidTransition(_l("You are not on this project's panel."))
    if member.recused_at is not None:
        raise InvalidTransition(_l("You have recused yourself from this project; your scores are refused."))
    if member.declared_at is None:
        raise InvalidTransition(_l("Sign the no-conflict declaration before scoring."))
    if bid.status is not BidStatus.submitted:
        raise InvalidTransition(_l("This bid is not in competition."))
    criteria = scored_criteria(project)
    if criteria.get("roadshow"):
        slot = db.session.scalar(select(RoadshowSlot).where(RoadshowSlot.bid_id == bid.id))
        if slot is None or slot.starts_at > clock.now():
            raise InvalidTransition(_l("The roadshow criterion is scored after the bidder's roadshow."))
    clean = clean_scores(criteria, scores)
    if db.session.scalar(select(BidScore.id).where(BidScore.bid_id == bid.id, BidScore.member_id == member.id)):
        raise InvalidTransition(_l("You have already scored this bid."))
    row = BidScore(bid_id=bid.id, member_id=member.id, scores=clean,
                   total=scoring.review_total(criteria, {k: v["score"] for k, v in clean.items()}))
    db.session.add(row)
    db.session.flush()  # the unique (bid, member) constraint refuses a concurrent duplicate here
    audit.append(actor, "bid.scored", project, {"position": member.position, "bid": bid.id}, rows=[row])
    return row


def active_members(project: Project) -> list[PanelMember]:
    return [m for m in panel(project) if m.recused_at is None]


def all_scored(project: Project) -> bool:
    members = active_members(project)
    bids = [b for b in eligible_bids(project) if b.status is BidStatus.submitted]
    if not members or not bids:
        return False
    done = set(db.session.execute(select(BidScore.bid_id, BidScore.member_id).join(PanelMember).where(
        PanelMember.project_id == project.id, PanelMember.recused_at.is_(None))).all())
    return all((b.id, m.id) in done for b in bids for m in members)



def ranking(project: Project) -> list[dict[str, Any]]:
    """Per-bid totals with the SPEC aggregation, bonuses, price score and tie-breaks."""
    bids = [b for b in eligible_bids(project) if b.status in (BidStatus.submitted, BidStatus.awarded, BidStatus.lost)]
    if not bids:
        return []
    members = {m.id: m for m in active_members(project)}
    rows = db.session.scalars(select(BidScore).where(BidScore.bid_id.in_([b.id for b in bids]))).all()
    trim_at = rules.get_rule("award.trim_at")
    red_listed = standing.on_current_red_list_of({b.organization_id for b in bids})
    red_points = Decimal(str(rules.get_rule("award.red_list_bonus")))
    price_weight = project.criteria.get(PRICE, 0)
    lowest = min(b.budget_total for b in bids)
    entries = []
    for bid in bids:
        mine = [r for r in rows if r.bid_id == bid.id and r.member_id in members]
        totals = [r.total for r in mine]
        panel_score = scoring.trimmed_mean(totals, trim_at) or Decimal(0)
        per_criterion = {k: scoring.mean(Decimal(r.scores[k]["score"]) for r in mine) for k in scored_criteria(project)}
        price = scoring.price_score(lowest, bid.budget_total, price_weight) if price_weight else Decimal(0)
        grade = standing.effective_grade(bid.organization)
        grade_bonus = Decimal(str(rules.get_rule(f"grade_points.{grade.value}"))) if grade else Decimal(0)
        red = red_points if bid.organization_id in red_listed else Decimal(0)
        entries.append({
            "bid_id": bid.id, "organization": bid.organization.name, "budget_total": str(bid.budget_total),
            "digest": bid.digest, "submitted_at": bid.submitted_at.isoformat(),
            "scores": [{"position": members[r.member_id].position, "total": str(r.total), "scores": r.scores}
                       for r in sorted(mine, key=lambda r: members[r.member_id].position)],
            "panel_score": panel_score, "price_score": price, "red_bonus": red, "grade_bonus": grade_bonus,
            "criteria": {k: (str(v) if v is not None else None) for k, v in per_criterion.items()},
            "plan": per_criterion.get("plan") or Decimal(0), "trimmed": len(totals) >= trim_at,
            "total": scoring.round2(panel_score + price + red + grade_bonus),
        })
    ranked = scoring.rank(entries)
    for e in ranked:  # JSON-ready
        for key in ("panel_score", "price_score", "red_bonus", "grade_bonus", "plan", "total"):
            e[key] = str(e[key])
    return ranked


# --- award, notice, objections --------------------------------------------------------------------



def notice_days(project: Project) -> int:
    if project.regime is Regime.government_purchase:
        return rules.get_rule("regime.gov.notice_working_days")
    return rules.get_rule("award.notice_working_days")


def award(actor: User, project: Project, bid: Bid, reason: str = "") -> Award:
    permissions.require(actor, "award.decide", project)
    project = _locked(project)
    if project.status is not ProjectStatus.reviewing:
        raise InvalidTransition(_l("This project has already been awarded."))
    if not all_scored(project):
        raise InvalidTransition(_l("Every panel member must score every bid before the award."))
    ranked = ranking(project)
    if bid.project_id != project.id or bid.status is not BidStatus.submitted:
        raise InvalidTransition(_l("This bid cannot be awarded."))
    # capacity (资源限流) is checked again under a lock on the organization: two awards racing for
    # the same organization cannot both pass
    org = db.session.scalar(select(Organization).where(Organization.id == bid.organization_id).with_for_update())
    if standing.active_projects(org) >= standing.capacity_limit(org):
        raise InvalidTransition(_l("%(org)s has reached its capacity limit (资源限流) and cannot take another "
                                   "project now.", org=org.name))
    reason = free_text(reason)
    if ranked[0]["bid_id"] != bid.id and not reason:
        raise ValidationError(_l("The chosen bid is not the top-ranked one: give the public reason."), field="reason")
    last_round = db.session.scalar(select(Award.round).where(Award.project_id == project.id)
                                   .order_by(Award.round.desc()).limit(1)) or 0
    decision = Award(project_id=project.id, round=last_round + 1, bid_id=bid.id, decided_by_id=actor.id,
                     reason=reason or None, ranking=ranked, process=project.process,
                     notice_ends_on=clock.add_working_days(clock.today(), notice_days(project)))
    db.session.add(decision)
    bid.status = BidStatus.awarded
    project.status = ProjectStatus.notice
    db.session.flush()
    audit.append(actor, "project.awarded", project, {"bid": bid.id, "winner": bid.organization.name,
                                                     "reason": decision.reason,
                                                     "notice_ends_on": decision.notice_ends_on.isoformat()},
                 rows=[decision])
    for other in eligible_bids(project):
        users = db.session.scalars(select(User).where(User.organization_id == other.organization_id))
        notify.notify(users, "bid.result", {"code": project.code, "won": other.id == bid.id},
                      f"/projects/{project.code}/award")
    return decision


def file_objection(actor: User, decision: Award, text: str) -> Objection:
    if not getattr(actor, "is_authenticated", False):
        raise InvalidTransition(_l("Sign in to file an objection."))
    if not permissions.can(actor, "objection.file", decision):
        raise InvalidTransition(_l("The public notice has ended; objections are closed."))
    text = (text or "").strip()
    if len(text) < 10:
        raise ValidationError(_l("Explain the objection (at least 10 characters)."), field="text")
    objection = Objection(award_id=decision.id, user_id=actor.id, text=text[:5000])
    db.session.add(objection)
    db.session.flush()
    audit.append(actor, "award.objection_filed", decision.bid.project, {"objection": objection.id})
    return objection


def decide_objection(actor: User, objection: Objection, uphold: bool, reason: str) -> None:
    permissions.require(actor, "objection.decide", objection)
    reason = free_text(reason)
    if not reason:
        raise ValidationError(_l("Give the reason; it is public."), field="reason")
    objection.status = ObjectionStatus.upheld if uphold else ObjectionStatus.rejected
    objection.decision_reason, objection.decided_at = reason, clock.now()
    decision = objection.award
    project = decision.bid.project
    audit.append(actor, "award.objection_upheld" if uphold else "award.objection_rejected", project,
                 {"objection": objection.id, "reason": reason})
    if uphold:  # an upheld objection costs the awarded organization credit points

        ledger.record(decision.bid.organization_id, "objection", rules.get_rule("credit.upheld_objection"),
                      str(_l("Upheld objection on the award of %(code)s: %(r)s", code=project.code, r=reason)), project)
    if uphold and decision.status is AwardStatus.notice:
        decision.status = AwardStatus.reopened
        decision.bid.status = BidStatus.submitted
        project.status = ProjectStatus.reviewing
        audit.append(actor, "project.award_reopened", project, {"reason": reason}, rows=[decision])


def finalize_if_due(project: Project) -> bool:
    """When the notice has ended and no objection is pending, the award is final: the losing bids
    close, the project moves to delivery with a contract."""
    if project.status is not ProjectStatus.notice:
        return False
    decision = current_award(project)
    if decision is None or clock.today() <= decision.notice_ends_on:
        return False
    if any(o.status is ObjectionStatus.pending for o in decision.objections):
        return False
    project = _locked(project)
    if project.status is not ProjectStatus.notice:
        return False
    now = clock.now()
    decision.status, decision.finalized_at = AwardStatus.final, now
    for bid in eligible_bids(project):
        if bid.id != decision.bid_id and bid.status is BidStatus.submitted:
            bid.status = BidStatus.lost
    project.status = ProjectStatus.delivery
    winner = decision.bid
    _contract(project, winner)
    audit.append("system", "project.award_final", project, {"bid": winner.id, "amount": str(winner.budget_total)},
                 rows=[decision])
    return True


def _contract(project: Project, winner: Bid, months: int = 12) -> Contract:
    """The contract of a final award: the street and the winner (and its confirmed partners), from tomorrow."""
    parties = [project.street.name, winner.organization.name] + [
        p.organization.name for p in winner.partners if p.status is PartnerStatus.confirmed]
    starts = clock.today() + timedelta(days=1)
    end_month = starts.month - 1 + months
    deal = Contract(project_id=project.id, bid_id=winner.id, amount=winner.budget_total, starts_on=starts,
                    ends_on=date(starts.year + end_month // 12, end_month % 12 + 1, min(starts.day, 28)),
                    parties=parties, process=project.process)
    db.session.add(deal)
    db.session.flush()
    return deal


def commission(actor: User, project: Project, organization: Organization, amount: Decimal, summary: str,
               reason: str, months: int = 12) -> Award:
    """直接委托: a project within the direct-commission limit, ordered from the catalogue (点单会), goes
    to the ordering organization without a tender — the same bid, final award and contract as an awarded
    project, so delivery, 考榜, credit and the red/black list treat it exactly alike. The caller has
    checked eligibility and capacity under its locks; the project is a fresh row in `draft`."""
    now = clock.now()
    bid = Bid(project_id=project.id, organization_id=organization.id, status=BidStatus.awarded, summary=summary,
              plan=summary, team="", outputs=project.outputs, schedule="", budget_total=amount,
              budget_items=[{"item": summary[:100], "amount": str(amount)}], submitted_at=now)
    db.session.add(bid)
    db.session.flush()
    bid.digest = content_digest(bid)  # the same receipt document as a tendered bid's
    entry = {"bid_id": bid.id, "organization": organization.name, "budget_total": str(amount),
             "digest": bid.digest, "submitted_at": now.isoformat(), "scores": [], "panel_score": "0",
             "price_score": "0", "red_bonus": "0", "grade_bonus": "0", "criteria": {}, "plan": "0",
             "trimmed": False, "total": "0", "rank": 1}
    decision = Award(project_id=project.id, round=1, bid_id=bid.id, decided_by_id=actor.id, reason=reason,
                     ranking=[entry], process=project.process, notice_ends_on=clock.today(),
                     status=AwardStatus.final, finalized_at=now)
    db.session.add(decision)
    project.status, project.published_at = ProjectStatus.delivery, now
    db.session.flush()
    _contract(project, bid, months)
    audit.append(actor, "project.commissioned", project, {"bid": bid.id, "winner": organization.name,
                                                         "amount": str(amount), "reason": reason},
                 rows=[decision, bid])
    return decision


def withdraw_after_award(actor: User, project: Project, reason: str) -> None:
    """The awarded organization gives the project up (during the notice or the delivery): the project is
    to be published again and the organization loses the configured credit points (−10)."""

    permissions.require(actor, "award.withdraw", project)
    reason = free_text(reason)
    if len(reason) < 5:
        raise ValidationError(_l("Give the reason for withdrawing; it is public."), field="reason")
    project = _locked(project)
    decision = current_award(project)
    if decision is None or project.status not in (ProjectStatus.notice, ProjectStatus.delivery):
        raise InvalidTransition(_l("There is no award to withdraw from."))
    bid = decision.bid
    bid.status, bid.withdrawn_at, bid.status_reason = BidStatus.withdrawn, clock.now(), reason[:500]
    if decision.status is AwardStatus.notice:
        decision.status = AwardStatus.reopened
    project.status = ProjectStatus.exited  # to be published again
    ledger.record(bid.organization_id, "withdrawal", rules.get_rule("credit.withdrawal_after_award"),
                  str(_l("Withdrew after the award of %(code)s: %(r)s", code=project.code, r=reason)), project)
    audit.append(actor, "project.award_withdrawn", project, {"reason": reason}, rows=[decision])


@audit.row_document("bid_scores")
def _score_row(row: BidScore) -> dict[str, Any]:
    return audit.columns_document(row)


@audit.row_document("awards")
def _award_row(row: Award) -> dict[str, Any]:
    return audit.columns_document(row)
