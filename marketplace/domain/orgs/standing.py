"""An organization's standing — what counts about it today wherever it acts: its rating grade in
force, national-list entries, the platform black list and the current red list, its capacity
(资源限流) and the projects it carries. One home below bids, awards, credit, lists and the supply
side, so that none of them imports another to ask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from marketplace.domain.core import clock, rules
from marketplace.extensions import db
from marketplace.models import (
    Bid,
    BidStatus,
    Grade,
    ListEntry,
    ListKind,
    ListPeriod,
    ListStatus,
    NationalListEntry,
    Organization,
    Project,
    ProjectStatus,
)

ACTIVE_PROJECT_STATES = (ProjectStatus.notice, ProjectStatus.delivery)


def grade_validity(announced_on: date, years: int | None = None) -> tuple[date, date]:
    """A grade is valid from 1 January after its announcement to 31 December of the fifth year."""
    years = years or rules.get_rule("lists.grade_validity_years")
    return date(announced_on.year + 1, 1, 1), date(announced_on.year + years, 12, 31)


def effective_grade(org: Organization, on: date | None = None) -> Grade | None:
    """The grade that counts on a day: none when absent, not yet valid or expired."""
    on = on or clock.today()
    if org.grade is None or org.grade_valid_from is None or org.grade_valid_until is None:
        return None
    return org.grade if org.grade_valid_from <= on <= org.grade_valid_until else None


def active_national_entries(org: Organization, on: date | None = None) -> list[NationalListEntry]:
    on = on or clock.today()
    return [e for e in org.national_list_entries if e.active_on(on)]


@dataclass
class Standing:
    """What counts about an organization today: its grade in force and its national-list entries."""

    grade: Grade | None
    grade_state: str  # "valid" | "expired" | "not_yet" | "none"
    national: list[NationalListEntry]


def standing(org: Organization, on: date | None = None) -> Standing:
    on = on or clock.today()
    grade = effective_grade(org, on)
    if org.grade is None:
        state = "none"
    elif grade is not None:
        state = "valid"
    elif org.grade_valid_until is not None and on > org.grade_valid_until:
        state = "expired"
    else:
        state = "not_yet"
    return Standing(grade, state, active_national_entries(org, on))


# --- capacity (资源限流) -------------------------------------------------------------------

def capacity_limit(org: Organization) -> int:
    grade = effective_grade(org)
    if grade is None or grade.rank <= 2:
        return rules.get_rule("capacity.none")
    return rules.get_rule(f"capacity.{grade.value}")


def active_projects(org: Organization) -> int:
    """Projects the organization currently carries (awarded, in notice or in delivery), as lead."""
    return db.session.scalar(select(func.count(Bid.id)).join(Project, Bid.project_id == Project.id).where(
        Bid.organization_id == org.id, Bid.status == BidStatus.awarded,
        Project.status.in_(ACTIVE_PROJECT_STATES))) or 0


# --- the platform's lists ------------------------------------------------------------------

def active_black(org_id: int, on: date | None = None) -> ListEntry | None:
    """The black-list entry that bans the organization from bidding on this day, if any."""
    on = on or clock.today()
    return db.session.scalar(select(ListEntry).join(ListPeriod).where(
        ListEntry.organization_id == org_id, ListEntry.kind == ListKind.black, ListEntry.removed_at.is_(None),
        ListPeriod.status == ListStatus.published, ListEntry.ban_until >= on).order_by(ListEntry.ban_until.desc()))


def on_current_red_list(org_id: int) -> bool:
    return org_id in on_current_red_list_of({org_id})


def on_current_red_list_of(org_ids: set[int]) -> set[int]:
    """Which of these organizations are on the latest published red list (two queries at most)."""
    latest = db.session.scalar(select(ListPeriod.id).where(ListPeriod.status == ListStatus.published)
                               .order_by(ListPeriod.ends_on.desc()).limit(1)) if org_ids else None
    if latest is None:
        return set()
    return set(db.session.scalars(select(ListEntry.organization_id).where(
        ListEntry.period_id == latest, ListEntry.organization_id.in_(org_ids), ListEntry.kind == ListKind.red,
        ListEntry.removed_at.is_(None))))


def red_bonus(org_id: int) -> Decimal:
    return Decimal(str(rules.get_rule("award.red_list_bonus"))) if on_current_red_list(org_id) else Decimal(0)
