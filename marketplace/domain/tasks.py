"""What each user has to do now — the next steps on the dashboard, each with its due date and the
days left. Each stage module registers a provider; a provider returns the tasks it knows about
for a user (bounded queries, counts not rows). Due dates are real deadlines where the rules make
one (a bidding deadline, a notice's end, a rectification plan's date, a milestone's date) and
otherwise the district's response times (`due.*` rules: answer within 10 days, score within 10
days of the bidding deadline, evaluate within 30 days of the closing sign-off)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.domain.core import clock, rules, workdays
from marketplace.domain.tender.bids import invitations
from marketplace.extensions import db
from marketplace.models import (
    Appeal,
    AppealStatus,
    Award,
    AwardStatus,
    Bid,
    BidScore,
    BidStatus,
    ClosingReport,
    Community,
    Complaint,
    ComplaintStatus,
    Contract,
    Evaluator,
    ExemplaryProposal,
    Intervention,
    InterventionStatus,
    Milestone,
    MilestoneStatus,
    Need,
    NeedReview,
    NeedStatus,
    Objection,
    ObjectionStatus,
    Organization,
    PanelMember,
    Project,
    ProjectStatus,
    Question,
    Role,
    SurveyCode,
    User,
    VerificationStatus,
    Wish,
    WishStatus,
    organization_categories,
    project_communities,
)

OPEN_PROJECTS_SHOWN = 5  # projects open in an organization's categories listed one by one


@dataclass
class Task:
    label: Any
    endpoint: str
    count: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    tone: str = "info"  # info | warning | danger | success
    due: date | None = None  # the district's calendar day by which it is to be done

    @property
    def days_left(self) -> int | None:
        """Days from today (Asia/Shanghai) to the due date: 0 = due today, negative = overdue."""
        return None if self.due is None else (self.due - clock.today()).days

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.days_left < 0


Provider = Callable[[User], list[Task]]
_PROVIDERS: list[Provider] = []


def provider(fn: Provider) -> Provider:
    _PROVIDERS.append(fn)
    return fn


def tasks_for(user: User) -> list[Task]:
    """Every next step of the user, the soonest due first; those without a date after, in the
    providers' order. An overdue step is shown as such whatever its provider's tone."""
    items = [task for fn in _PROVIDERS for task in fn(user)]
    for task in items:
        if task.overdue:
            task.tone = "danger"
    return sorted(items, key=lambda t: (t.due is None, t.due or date.min))


def local_day(moment: datetime | None) -> date | None:
    """The district's calendar day of an instant (stored in UTC)."""
    return None if moment is None else moment.astimezone(clock.LOCAL_TZ).date()


def _after(moment: datetime | date | None, rule: str) -> date | None:
    if moment is None:
        return None
    day = local_day(moment) if isinstance(moment, datetime) else moment
    return day + timedelta(days=int(rules.get_rule(rule)))


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
    new, oldest = db.session.execute(select(func.count(Wish.id), func.min(Wish.created_at)).where(
        Wish.community_id == user.community_id, Wish.status == WishStatus.new)).one()
    return [Task(_l("Residents' micro-wishes to triage"), "community_desk.index", new, tone="warning",
                 due=_after(oldest, "due.response_days"))] if new else []


@provider
def _street(user: User) -> list[Task]:
    if user.role is not Role.street:
        return []
    pending_review = select(NeedReview.id).where(NeedReview.need_id == Need.id, NeedReview.submitted_at.is_(None))
    reviewed = (Need.status == NeedStatus.in_review) & ~pending_review.exists()
    rows = db.session.execute(
        select(Need.status, reviewed.label("reviewed"), func.count(), func.min(Need.created_at))
        .join(Need.community).where(Community.street_id == user.street_id)
        .where(Need.status.in_((NeedStatus.recorded, NeedStatus.in_review, NeedStatus.approved)))
        .group_by(Need.status, reviewed)).all()
    counts: dict[Any, int] = {}
    oldest: dict[Any, datetime] = {}
    for status, done, n, first in rows:
        key = "to_decide" if done else status
        counts[key] = counts.get(key, 0) + n
        oldest[key] = min(filter(None, (oldest.get(key), first)), default=None)
    questions, asked = db.session.execute(select(func.count(Question.id), func.min(Question.created_at)).join(Project)
                                          .where(Project.street_id == user.street_id, Question.answer.is_(None),
                                                 Project.status == ProjectStatus.bidding)).one()
    drafts = db.session.scalar(select(func.count(Project.id)).where(
        Project.street_id == user.street_id, Project.status == ProjectStatus.draft))
    items = []
    if counts.get(NeedStatus.recorded):
        items.append(Task(_l("Needs waiting for reviewers"), "street_desk.index", counts[NeedStatus.recorded],
                          {"status": "recorded"}, "warning", _after(oldest[NeedStatus.recorded], "due.response_days")))
    if counts.get("to_decide"):
        items.append(Task(_l("Needs reviewed, waiting for your decision"), "street_desk.index", counts["to_decide"],
                          {"status": "in_review"}, "warning", _after(oldest["to_decide"], "due.response_days")))
    if counts.get(NeedStatus.in_review):
        items.append(Task(_l("Needs under review (reviewers still scoring)"), "street_desk.index",
                          counts[NeedStatus.in_review], {"status": "in_review"}))
    if counts.get(NeedStatus.approved):
        items.append(Task(_l("Approved needs waiting for a project"), "street_desk.index",
                          counts[NeedStatus.approved], {"status": "approved"}, "success"))
    if questions:
        items.append(Task(_l("Bidders' questions to answer"), "street_desk.index", questions, tone="warning",
                          due=_after(asked, "due.response_days")))
    if drafts:
        items.append(Task(_l("Draft projects to publish"), "street_desk.index", drafts))
    return items


@provider
def _reviewer(user: User) -> list[Task]:
    if user.role is not Role.expert:
        return []
    pending, since = db.session.execute(select(func.count(NeedReview.id), func.min(NeedReview.created_at)).join(Need)
                                        .where(NeedReview.reviewer_id == user.id, NeedReview.submitted_at.is_(None),
                                               Need.status == NeedStatus.in_review)).one()
    return [Task(_l("Needs waiting for your review"), "reviews.index", pending, tone="warning",
                 due=_after(since, "due.response_days"))] if pending else []


@provider
def _panel_duties(user: User) -> list[Task]:
    """Projects on whose panel the user sits and has something to do (declare or score)."""
    if user.role not in (Role.expert, Role.department, Role.street, Role.secretary):
        return []
    scored = (select(func.count(BidScore.id)).where(BidScore.member_id == PanelMember.id)
              .correlate(PanelMember).scalar_subquery())
    bids = (select(func.count(Bid.id)).where(Bid.project_id == Project.id, Bid.status == BidStatus.submitted)
            .correlate(Project).scalar_subquery())
    open_panels = db.session.execute(select(Project.code, Project.title, PanelMember.declared_at,
                                            Project.bid_deadline, scored, bids).join(
        PanelMember, PanelMember.project_id == Project.id).where(
        PanelMember.user_id == user.id, PanelMember.recused_at.is_(None),
        Project.status == ProjectStatus.reviewing)).all()
    items = []
    for code, title, declared, deadline, done, total in open_panels:
        if declared is None:
            label = _l("Panel: %(code)s %(title)s — sign the no-conflict declaration, then score", code=code,
                       title=title)
        elif done < total:
            label = _l("Panel: %(code)s %(title)s — %(done)s of %(total)s bids scored", code=code, title=title,
                       done=done, total=total)
        else:
            continue  # all scored: the street decides
        items.append(Task(label, "awards.review", params={"code": code}, tone="warning",
                          due=_after(deadline, "due.scoring_days")))
    return items


@provider
def _street_awards(user: User) -> list[Task]:
    if user.role is not Role.street:
        return []
    reviewing = db.session.execute(select(Project.code, Project.title, Project.bid_deadline).where(
        Project.street_id == user.street_id, Project.status == ProjectStatus.reviewing)).all()
    objections = db.session.execute(select(Project.code, func.count(Objection.id), Award.notice_ends_on)
                                    .select_from(Objection)
                                    .join(Award, Objection.award_id == Award.id).join(Bid, Award.bid_id == Bid.id)
                                    .join(Project, Bid.project_id == Project.id)
                                    .where(Project.street_id == user.street_id, Objection.status == ObjectionStatus.pending,
                                           Award.status == AwardStatus.notice)
                                    .group_by(Project.code, Award.notice_ends_on)).all()
    return [Task(_l("Bidding closed: panel and award for %(code)s %(title)s", code=code, title=title),
                 "awards.panel", params={"code": code}, tone="warning", due=_after(deadline, "due.scoring_days"))
            for code, title, deadline in reviewing] + [
        Task(_l("Objections to decide on %(code)s before the notice ends", code=code), "awards.why", n,
             {"code": code}, "danger", ends_on) for code, n, ends_on in objections]


@provider
def _organization_invitations(user: User) -> list[Task]:
    if user.role is not Role.organization or user.organization_id is None:
        return []
    pending = len(invitations(user.organization_id))
    return [Task(_l("Joint-bid invitations to answer"), "bids.invitations", pending, tone="warning")] if pending else []


@provider
def _organization_bidding(user: User) -> list[Task]:
    """Intent letters still in draft before their deadline, and projects open for bids in the
    organization's categories that it has not started on (the soonest deadlines first)."""
    if user.role is not Role.organization or user.organization_id is None:
        return []
    org_id, now = user.organization_id, clock.now()
    open_now = (Project.status == ProjectStatus.bidding) & (Project.bid_deadline > now)
    drafts = db.session.execute(select(Project.code, Project.title, Project.bid_deadline).join(
        Bid, Bid.project_id == Project.id).where(Bid.organization_id == org_id, Bid.status == BidStatus.draft, open_now)
        .order_by(Project.bid_deadline)).all()
    items = [Task(_l("Intent letter in draft for %(code)s %(title)s: submit it before the deadline", code=c, title=t),
                  "bids.edit", params={"code": c}, tone="warning", due=local_day(d)) for c, t, d in drafts]
    if user.organization.status is not VerificationStatus.verified:
        return items
    mine = select(Bid.id).where(Bid.project_id == Project.id, Bid.organization_id == org_id)
    in_field = select(organization_categories.c.category_id).where(
        organization_categories.c.organization_id == org_id)
    found = db.session.execute(select(Project.code, Project.title, Project.bid_deadline, func.count().over()).where(
        open_now, Project.category_id.in_(in_field), ~mine.exists()).order_by(Project.bid_deadline)
        .limit(OPEN_PROJECTS_SHOWN)).all()
    items += [Task(_l("Open for bids in your field: %(code)s %(title)s", code=c, title=t), "projects.detail",
                   params={"code": c}, due=local_day(d)) for c, t, d, _n in found]
    if found and found[0][3] > len(found):
        items.append(Task(_l("More projects open for bids"), "projects.index", found[0][3] - len(found),
                          {"status": "bidding"}))
    return items


@provider
def _delivery_duties(user: User) -> list[Task]:
    """履约 / 考榜 work waiting for this user."""
    items: list[Task] = []
    respond = "due.response_days"
    if user.role is Role.organization and user.organization_id:
        next_due = (select(func.min(Milestone.due_on)).where(
            Milestone.project_id == Project.id,
            Milestone.status.in_((MilestoneStatus.planned, MilestoneStatus.disputed)))
            .correlate(Project).scalar_subquery())
        rows = db.session.execute(select(Project.code, Project.title, Contract.plan_approved_at, next_due).join(
            Contract, Contract.project_id == Project.id).join(Bid, Contract.bid_id == Bid.id).where(
            Bid.organization_id == user.organization_id, Project.status == ProjectStatus.delivery)).all()
        items += [Task(_l("Delivery of %(code)s %(title)s: set the milestones for the street's approval", code=c,
                          title=t) if approved is None
                       else _l("Delivery of %(code)s %(title)s: next milestone", code=c, title=t),
                       "delivery.desk", params={"code": c}, tone="warning" if approved is None else "info",
                       due=None if approved is None else due) for c, t, approved, due in rows]
        plans = db.session.execute(select(Project.code, Intervention.plan_due_on).join(
            Intervention, Intervention.project_id == Project.id).join(Contract, Contract.project_id == Project.id)
            .join(Bid, Contract.bid_id == Bid.id).where(Bid.organization_id == user.organization_id,
                                                      Intervention.status == InterventionStatus.open)).all()
        items += [Task(_l("Rectification plan (纠偏整改) due on %(code)s", code=c), "delivery.desk", params={"code": c},
                       tone="danger", due=d) for c, d in plans]
    if user.role is Role.secretary and user.community_id:
        served = project_communities.c.community_id == user.community_id
        rows = db.session.execute(select(Project.code, func.count(Milestone.id), func.min(Milestone.delivered_at)).join(
            project_communities, project_communities.c.project_id == Project.id).join(
            Milestone, Milestone.project_id == Project.id).where(
            served, Milestone.status == MilestoneStatus.delivered,
            Project.status == ProjectStatus.delivery).group_by(Project.code)).all()
        items += [Task(_l("Milestones to confirm on %(code)s", code=c), "delivery.desk", n, {"code": c}, "warning",
                       _after(since, respond)) for c, n, since in rows]
        closing = db.session.execute(select(Project.code, ClosingReport.created_at)
                                     .join(ClosingReport, ClosingReport.project_id == Project.id)
                                     .join(project_communities, project_communities.c.project_id == Project.id)
                                     .where(served, ClosingReport.signed_off_at.is_(None))).all()
        items += [Task(_l("Closing report to sign off on %(code)s", code=c), "delivery.desk", params={"code": c},
                       tone="warning", due=_after(at, respond)) for c, at in closing]
        issued = (select(func.count(SurveyCode.id)).where(SurveyCode.project_id == Project.id)
                  .correlate(Project).scalar_subquery())
        used = (select(func.count(SurveyCode.id)).where(SurveyCode.project_id == Project.id,
                                                         SurveyCode.used_at.is_not(None))
                .correlate(Project).scalar_subquery())
        surveys = db.session.execute(select(Project.code, Project.title, ClosingReport.signed_off_at, issued, used)
                                     .join(project_communities, project_communities.c.project_id == Project.id)
                                     .join(ClosingReport, ClosingReport.project_id == Project.id)
                                     .where(served, Project.status == ProjectStatus.evaluation)).all()
        for c, t, signed, n_issued, n_used in surveys:
            label = (_l("考榜 %(code)s %(title)s: issue the residents' survey codes and print the QR sheet", code=c,
                        title=t) if not n_issued else
                     _l("考榜 %(code)s: %(used)s of %(issued)s residents' survey codes answered", code=c, used=n_used,
                        issued=n_issued))
            items.append(Task(label, "delivery.evaluation", params={"code": c},
                              tone="warning" if not n_issued else "info",
                              due=_after(signed, "due.evaluation_days")))
    if user.role is Role.street and user.street_id:
        pending = db.session.execute(select(Project.code, func.count(Complaint.id), func.min(Complaint.created_at)).join(
            Complaint, Complaint.project_id == Project.id).where(
            Project.street_id == user.street_id, Complaint.status == ComplaintStatus.pending).group_by(Project.code)).all()
        items += [Task(_l("Complaints to examine on %(code)s", code=c), "delivery.desk", n, {"code": c}, "danger",
                       _after(since, respond)) for c, n, since in pending]
        plans = db.session.execute(select(Project.code, Intervention.plan_filed_at).join(
            Intervention, Intervention.project_id == Project.id).where(
            Project.street_id == user.street_id, Intervention.status == InterventionStatus.plan_filed)).all()
        items += [Task(_l("Rectification plan to accept or refuse on %(code)s", code=c), "delivery.desk",
                       params={"code": c}, tone="warning", due=_after(at, respond)) for c, at in plans]
        overdue = db.session.execute(select(Project.code, func.count(Milestone.id), func.min(Milestone.due_on)).join(
            Milestone, Milestone.project_id == Project.id).where(
            Project.street_id == user.street_id, Project.status == ProjectStatus.delivery,
            Milestone.status.in_((MilestoneStatus.planned, MilestoneStatus.disputed)),
            Milestone.due_on < clock.today()).group_by(Project.code)).all()
        items += [Task(_l("Overdue milestones on %(code)s", code=c), "delivery.desk", n, {"code": c}, "danger", d)
                  for c, n, d in overdue]
        evaluating = db.session.execute(select(Project.code, ClosingReport.signed_off_at).outerjoin(
            ClosingReport, ClosingReport.project_id == Project.id).where(
            Project.street_id == user.street_id, Project.status == ProjectStatus.evaluation)).all()
        items += [Task(_l("Evaluation (考榜) to run on %(code)s", code=c), "delivery.evaluation", params={"code": c},
                       due=_after(signed, "due.evaluation_days")) for c, signed in evaluating]
    waiting = db.session.execute(select(Project.code, ClosingReport.signed_off_at).join(
        Evaluator, Evaluator.project_id == Project.id).outerjoin(ClosingReport, ClosingReport.project_id == Project.id)
        .where(Evaluator.user_id == user.id, Evaluator.submitted_at.is_(None),
               Project.status == ProjectStatus.evaluation)).all()
    items += [Task(_l("Evaluate project %(code)s (考榜)", code=c), "delivery.evaluation", params={"code": c},
                   tone="warning", due=_after(signed, "due.evaluation_days")) for c, signed in waiting]
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
