"""What each user has to do now, for the dashboard. Each stage module registers a provider;
a provider returns the tasks it knows about for a user (bounded queries, counts not rows)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.domain.assess.needs import pending_review_count
from marketplace.domain.core import workdays
from marketplace.domain.tender.bids import invitations
from marketplace.extensions import db
from marketplace.models import (
    Appeal,
    AppealStatus,
    Award,
    AwardStatus,
    Bid,
    ClosingReport,
    Community,
    Complaint,
    ComplaintStatus,
    Contract,
    Evaluator,
    ExemplaryProposal,
    Milestone,
    MilestoneStatus,
    Need,
    NeedStatus,
    Objection,
    ObjectionStatus,
    Organization,
    PanelMember,
    Project,
    ProjectStatus,
    Question,
    Role,
    User,
    VerificationStatus,
    Wish,
    WishStatus,
    project_communities,
)


@dataclass
class Task:
    label: Any
    endpoint: str
    count: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    tone: str = "info"  # info | warning | danger | success


Provider = Callable[[User], list[Task]]
_PROVIDERS: list[Provider] = []


def provider(fn: Provider) -> Provider:
    _PROVIDERS.append(fn)
    return fn


def tasks_for(user: User) -> list[Task]:
    return [task for fn in _PROVIDERS for task in fn(user)]


@provider
def _verification_queue(user: User) -> list[Task]:
    if user.role is not Role.admin:
        return []
    pending = db.session.scalar(
        select(func.count(Organization.id)).where(Organization.status == VerificationStatus.pending))
    if not pending:
        return []
    return [Task(_l("Organizations waiting for verification"), "district.organizations", pending,
                 tone="warning")]


@provider
def _calendar_gap(user: User) -> list[Task]:
    """The State Council's calendar lacks a year that windows opened now may reach."""
    if user.role is not Role.admin:
        return []
    missing = workdays.missing_years()
    return [Task(workdays.gap_message(missing), "localdayoff.index_view", tone="danger")] if missing else []


@provider
def _own_verification(user: User) -> list[Task]:
    if user.role is not Role.organization or user.organization is None:
        return []
    status = user.organization.status
    if status is VerificationStatus.rejected:
        return [Task(_l("Your registration was rejected: correct the profile and resubmit"),
                     "organizations.mine", tone="danger")]
    if status is VerificationStatus.pending:
        return [Task(_l("Your registration waits for the district's verification"),
                     "organizations.mine", tone="warning")]
    return []


@provider
def _secretary(user: User) -> list[Task]:
    if user.role is not Role.secretary:
        return []
    new = db.session.scalar(select(func.count(Wish.id)).where(
        Wish.community_id == user.community_id, Wish.status == WishStatus.new))
    return [Task(_l("Residents' micro-wishes to triage"), "community_desk.index", new, tone="warning")] if new else []


@provider
def _street(user: User) -> list[Task]:
    if user.role is not Role.street:
        return []
    counts = dict(db.session.execute(
        select(Need.status, func.count()).join(Need.community).where(Community.street_id == user.street_id)
        .where(Need.status.in_((NeedStatus.recorded, NeedStatus.in_review, NeedStatus.approved)))
        .group_by(Need.status)).all())
    questions = db.session.scalar(select(func.count(Question.id)).join(Project).where(
        Project.street_id == user.street_id, Question.answer.is_(None), Project.status == ProjectStatus.bidding))
    drafts = db.session.scalar(select(func.count(Project.id)).where(
        Project.street_id == user.street_id, Project.status == ProjectStatus.draft))
    items = []
    if counts.get(NeedStatus.recorded):
        items.append(Task(_l("Needs waiting for reviewers"), "street_desk.index", counts[NeedStatus.recorded],
                          {"status": "recorded"}, "warning"))
    if counts.get(NeedStatus.in_review):
        items.append(Task(_l("Needs under review, to decide"), "street_desk.index", counts[NeedStatus.in_review],
                          {"status": "in_review"}))
    if counts.get(NeedStatus.approved):
        items.append(Task(_l("Approved needs waiting for a project"), "street_desk.index",
                          counts[NeedStatus.approved], {"status": "approved"}, "success"))
    if questions:
        items.append(Task(_l("Bidders' questions to answer"), "street_desk.index", questions, tone="warning"))
    if drafts:
        items.append(Task(_l("Draft projects to publish"), "street_desk.index", drafts))
    return items


@provider
def _reviewer(user: User) -> list[Task]:
    if user.role is not Role.expert:
        return []
    pending = pending_review_count(user)
    return [Task(_l("Needs waiting for your review"), "reviews.index", pending, tone="warning")] if pending else []


@provider
def _panel_duties(user: User) -> list[Task]:
    """Projects on whose panel the user sits and has something to do (declare or score)."""
    if user.role not in (Role.expert, Role.department, Role.street, Role.secretary):
        return []
    open_panels = db.session.execute(select(Project.code, Project.title, PanelMember.declared_at).join(
        PanelMember, PanelMember.project_id == Project.id).where(
        PanelMember.user_id == user.id, PanelMember.recused_at.is_(None),
        Project.status == ProjectStatus.reviewing)).all()
    return [Task(_l("Panel: %(code)s %(title)s — declare and score", code=code, title=title) if declared is None
                 else _l("Panel: %(code)s %(title)s — score the bids", code=code, title=title),
                 "awards.review", params={"code": code}, tone="warning") for code, title, declared in open_panels]


@provider
def _street_awards(user: User) -> list[Task]:
    if user.role is not Role.street:
        return []
    reviewing = db.session.execute(select(Project.code, Project.title).where(
        Project.street_id == user.street_id, Project.status == ProjectStatus.reviewing)).all()
    objections = db.session.execute(select(Project.code, func.count(Objection.id)).select_from(Objection)
                                    .join(Award, Objection.award_id == Award.id).join(Bid, Award.bid_id == Bid.id)
                                    .join(Project, Bid.project_id == Project.id)
                                    .where(Project.street_id == user.street_id, Objection.status == ObjectionStatus.pending,
                                           Award.status == AwardStatus.notice).group_by(Project.code)).all()
    return [Task(_l("Bidding closed: panel and award for %(code)s %(title)s", code=code, title=title),
                 "awards.panel", params={"code": code}, tone="warning") for code, title in reviewing] + [
        Task(_l("Objections to decide on %(code)s", code=code), "awards.why", n, {"code": code}, "danger")
        for code, n in objections]


@provider
def _organization_invitations(user: User) -> list[Task]:
    if user.role is not Role.organization or user.organization_id is None:
        return []
    pending = len(invitations(user.organization_id))
    return [Task(_l("Joint-bid invitations to answer"), "bids.invitations", pending, tone="warning")] if pending else []


@provider
def _delivery_duties(user: User) -> list[Task]:
    """履约 / 考榜 work waiting for this user."""
    items: list[Task] = []
    if user.role is Role.organization and user.organization_id:
        rows = db.session.execute(select(Project.code, Project.title, Contract.plan_approved_at).join(
            Contract, Contract.project_id == Project.id).join(Bid, Contract.bid_id == Bid.id).where(
            Bid.organization_id == user.organization_id, Project.status == ProjectStatus.delivery)).all()
        items += [Task(_l("Delivery of %(code)s %(title)s", code=c, title=t), "delivery.desk", params={"code": c},
                       tone="warning" if approved is None else "info") for c, t, approved in rows]
    if user.role is Role.secretary and user.community_id:
        rows = db.session.execute(select(Project.code, func.count(Milestone.id)).join(
            project_communities, project_communities.c.project_id == Project.id).join(
            Milestone, Milestone.project_id == Project.id).where(
            project_communities.c.community_id == user.community_id, Milestone.status == MilestoneStatus.delivered,
            Project.status == ProjectStatus.delivery).group_by(Project.code)).all()
        items += [Task(_l("Milestones to confirm on %(code)s", code=c), "delivery.desk", n, {"code": c}, "warning")
                  for c, n in rows]
        closing = db.session.execute(select(Project.code).join(ClosingReport, ClosingReport.project_id == Project.id)
                                     .join(project_communities, project_communities.c.project_id == Project.id)
                                     .where(project_communities.c.community_id == user.community_id,
                                            ClosingReport.signed_off_at.is_(None))).scalars().all()
        items += [Task(_l("Closing report to sign off on %(code)s", code=c), "delivery.desk", params={"code": c},
                       tone="warning") for c in closing]
    if user.role is Role.street and user.street_id:
        pending = db.session.execute(select(Project.code, func.count(Complaint.id)).join(
            Complaint, Complaint.project_id == Project.id).where(
            Project.street_id == user.street_id, Complaint.status == ComplaintStatus.pending).group_by(Project.code)).all()
        items += [Task(_l("Complaints to examine on %(code)s", code=c), "delivery.desk", n, {"code": c}, "danger")
                  for c, n in pending]
        evaluating = db.session.scalars(select(Project.code).where(Project.street_id == user.street_id,
                                                                   Project.status == ProjectStatus.evaluation)).all()
        items += [Task(_l("Evaluation (考榜) to run on %(code)s", code=c), "delivery.evaluation", params={"code": c})
                  for c in evaluating]
    waiting = db.session.scalars(select(Project.code).join(Evaluator, Evaluator.project_id == Project.id).where(
        Evaluator.user_id == user.id, Evaluator.submitted_at.is_(None), Project.status == ProjectStatus.evaluation)).all()
    items += [Task(_l("Evaluate project %(code)s (考榜)", code=c), "delivery.evaluation", params={"code": c},
                   tone="warning") for c in waiting]
    return items


@provider
def _district_lists(user: User) -> list[Task]:
    if user.role is not Role.admin:
        return []
    appeals = db.session.scalar(select(func.count(Appeal.id)).where(Appeal.status == AppealStatus.pending))
    proposals = db.session.scalar(select(func.count(ExemplaryProposal.id)).where(ExemplaryProposal.confirmed_at.is_(None)))
    reviews = db.session.scalar(select(func.count(Organization.id)).where(Organization.grade_review_reason.is_not(None)))
    items = []
    if appeals:
        items.append(Task(_l("Appeals and credit repairs to decide"), "lists.desk", appeals, tone="warning"))
    if proposals:
        items.append(Task(_l("Exemplary organizations to confirm"), "lists.desk", proposals))
    if reviews:
        items.append(Task(_l("Organizations flagged for a rating review"), "lists.desk", reviews, tone="warning"))
    return items
