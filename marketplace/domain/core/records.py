"""Read-only lookups every layer asks about a project — its current award and contract, a panel
seat, and the stage a reader sees *now* — kept below permissions and the stage modules so that
none of them needs to import another to ask.

`stage` is how deadlines take effect at their instant for every reader without a GET ever
writing: bidding past its deadline reads as closed (or failed, with no submitted bid), a notice
that has ended with no objection pending reads as final. The recorded transitions follow from
`flask deadlines tick`, or from the next writing request on the project (`deadlines.catch_up`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.domain.core import clock
from marketplace.extensions import db
from marketplace.models import (
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    Contract,
    ObjectionStatus,
    PanelMember,
    Project,
    ProjectStatus,
)


def awards_of(project: Project) -> list[Award]:
    """Every award of the project, newest first (a reopened one stays on record)."""
    return list(db.session.scalars(select(Award).where(Award.project_id == project.id).order_by(Award.round.desc())))


def current_award(project: Project) -> Award | None:
    return db.session.scalar(select(Award).where(Award.project_id == project.id,
                                                 Award.status != AwardStatus.reopened).order_by(Award.round.desc()))


def contract(project: Project) -> Contract | None:
    """The project's current contract (after an exit and a new award, the newest one)."""
    return db.session.scalar(select(Contract).where(Contract.project_id == project.id).order_by(Contract.id.desc())
                             .limit(1))


def winner_org_id(project: Project) -> int:
    return contract(project).bid.organization_id


def panel_member(project: Project, user: Any) -> PanelMember | None:
    """The user's seat on the project's panel, if any. Once found it is remembered for the session
    (a page asks it once per bid): the seat is then read from the identity map, without a query."""
    if not getattr(user, "is_authenticated", False):
        return None
    seats = db.session.info.setdefault("panel_seats", {})
    known = seats.get((project.id, user.id))
    if known is not None:
        member = db.session.get(PanelMember, known)
        if member is not None and member.project_id == project.id and member.user_id == user.id:
            return member
    member = db.session.scalar(select(PanelMember).where(PanelMember.project_id == project.id,
                                                         PanelMember.user_id == user.id))
    if member is not None:
        seats[(project.id, user.id)] = member.id
    return member


def notice_over(decision: Award) -> bool:
    """The notice has ended with no objection pending: the award is final from this instant."""
    return (decision.status is AwardStatus.notice and clock.today() > decision.notice_ends_on
            and not any(o.status is ObjectionStatus.pending for o in decision.objections))


def stage(project: Project) -> ProjectStatus:
    """The project's status as every reader sees it now (see the module's note)."""
    status = project.status
    if status is ProjectStatus.bidding and clock.now() >= project.bid_deadline:
        key: tuple[Any, ...] = (status, "closed")
    elif status is ProjectStatus.notice:
        key = (status, clock.today())
    else:
        return status
    cached = project.__dict__.get("_stage")
    if cached is not None and cached[0] == key:
        return cached[1]
    if status is ProjectStatus.bidding:
        submitted = db.session.scalar(select(func.count(Bid.id)).where(
            Bid.project_id == project.id, Bid.status == BidStatus.submitted))
        seen = ProjectStatus.reviewing if submitted else ProjectStatus.failed
    else:
        decision = current_award(project)
        seen = ProjectStatus.delivery if decision is not None and notice_over(decision) else status
    project.__dict__["_stage"] = (key, seen)
    return seen


def prime_stages(projects: Iterable[Project]) -> None:
    """`stage` for a whole list of projects in at most three queries (list pages and desks): the
    projects past their bidding deadline are asked together whether they have a submitted bid, the
    projects in their notice together for their current award and its objections; each answer is
    left where `stage` looks first, so the template's `stage(p)` runs no query."""
    now, today = clock.now(), clock.today()
    closed = {p.id: p for p in projects if p.status is ProjectStatus.bidding and now >= p.bid_deadline}
    notice = {p.id: p for p in projects if p.status is ProjectStatus.notice}
    if closed:
        with_bids = set(db.session.scalars(select(Bid.project_id).where(
            Bid.project_id.in_(closed), Bid.status == BidStatus.submitted).distinct()))
        for pid, project in closed.items():
            seen = ProjectStatus.reviewing if pid in with_bids else ProjectStatus.failed
            project.__dict__["_stage"] = ((ProjectStatus.bidding, "closed"), seen)
    if notice:
        current: dict[int, Award] = {}
        for award in db.session.scalars(select(Award).where(
                Award.project_id.in_(notice), Award.status != AwardStatus.reopened)
                .options(selectinload(Award.objections)).order_by(Award.round)):
            current[award.project_id] = award  # the highest round wins, as in current_award
        for pid, project in notice.items():
            decision = current.get(pid)
            seen = ProjectStatus.delivery if decision is not None and notice_over(decision) else ProjectStatus.notice
            project.__dict__["_stage"] = ((ProjectStatus.notice, today), seen)
