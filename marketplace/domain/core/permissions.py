"""THE policy: who may do what, on which object, in which state (role × scope × state).

Views, the admin console and the domain all ask `can`/`require` here; nothing else decides.
Lookups outside a user's scope go through `scoped_query`, so another scope's object is a 404,
while an object one may see but not act on is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, select
from werkzeug.exceptions import Forbidden

from marketplace.domain.core import clock, records
from marketplace.extensions import db
from marketplace.models import (
    AppealStatus,
    FlagStatus,
    AwardStatus,
    BidStatus,
    ComplaintStatus,
    Evaluator,
    InterventionStatus,
    ListKind,
    ListStatus,
    MilestoneStatus,
    Need,
    NeedStatus,
    ObjectionStatus,
    Organization,
    PartnerStatus,
    Project,
    ProjectStatus,
    Role,
    User,
    VerificationStatus,
    WishStatus,
)

Rule = Callable[[User, Any], bool]
_RULES: dict[str, Rule] = {}
_PUBLIC: set[str] = set()


def rule(*actions: str, public: bool = False) -> Callable[[Rule], Rule]:
    """Register the rule deciding `actions`. A public rule is also asked for anonymous visitors
    (residents act without an account: complaints, the survey); it must not read the user."""
    def register(fn: Rule) -> Rule:
        for action in actions:
            if action in _RULES:
                raise RuntimeError(f"permission {action!r} defined twice")
            _RULES[action] = fn
            if public:
                _PUBLIC.add(action)
        return fn

    return register


def can(user: Any, action: str, obj: Any = None) -> bool:
    check = _RULES.get(action)
    if check is None:
        raise KeyError(f"unknown permission {action!r}")
    signed_in = user is not None and getattr(user, "is_authenticated", False) and user.is_active
    if not signed_in and action not in _PUBLIC:
        return False
    return bool(check(user, obj))


def require(user: Any, action: str, obj: Any = None) -> None:
    if not can(user, action, obj):
        raise Forbidden()


def actions() -> list[str]:
    return sorted(_RULES)


def has_role(user: Any, *roles: Role) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in roles


# The district administrator and the supervisor (监督员) read the whole district; only the first acts.
# The supervisor's sight is exactly the administrator's reading rules below (never sealed content
# before its deadline: marketplace.domain.tender.bids.can_read), and no acting rule names it.
DISTRICT_READERS = (Role.admin, Role.supervisor)


def reads_district(user: Any) -> bool:
    return has_role(user, *DISTRICT_READERS)


# --- district administration -------------------------------------------------------------

@rule("admin.access", "rules.edit", "users.manage", "organizations.review_queue")
def _is_admin(user: User, _obj: Any) -> bool:
    return user.role is Role.admin


@rule("district.desk")
def _district_desk(user: User, _obj: Any) -> bool:
    """The district's desk (its figures, the streets side by side, what is overdue): the district's readers."""
    return reads_district(user)


# --- organizations -----------------------------------------------------------------------

@rule("organization.verify", "organization.reject")
def _review_organization(user: User, org: Organization) -> bool:
    return user.role is Role.admin and org.status is VerificationStatus.pending


@rule("organization.view_private")
def _view_private(user: User, org: Organization) -> bool:
    return reads_district(user) or (
        user.role is Role.organization and user.organization_id == org.id
    )


@rule("organization.own")
def _own_organization(user: User, _obj: Any) -> bool:
    """An organization's own pages (its bids, invitations, credit): its users only."""
    return user.role is Role.organization and user.organization_id is not None


@rule("organization.edit")
def _edit_organization(user: User, org: Organization) -> bool:
    """Its own users keep the profile current; a rejected application is corrected and resubmitted."""
    return user.role is Role.organization and user.organization_id == org.id


@rule("organization.resubmit")
def _resubmit(user: User, org: Organization) -> bool:
    return _edit_organization(user, org) and org.status is VerificationStatus.rejected


@rule("account.change_password", "account.two_factor")
def _own_account(user: User, target: User | None) -> bool:
    return target is None or target.id == user.id


# --- scoped lookups ----------------------------------------------------------------------

def organizations_query(user: Any) -> Select[tuple[Organization]]:
    """Organizations a user may look at: the public sees verified ones; an organization's own users
    also see their own (whatever its status); the district administrator sees all."""
    query = select(Organization)
    if reads_district(user):
        return query
    visible = Organization.status == VerificationStatus.verified
    if has_role(user, Role.organization):
        visible = visible | (Organization.id == user.organization_id)
    return query.where(visible)


# --- 评榜: wishes and needs --------------------------------------------------------------

def _in_community(user: User, community_id: int) -> bool:
    return user.role is Role.secretary and user.community_id == community_id


def _street_of_need(need: Any) -> int:
    return need.community.street_id


@rule("wish.triage")
def _triage_wish(user: User, wish: Any) -> bool:
    return _in_community(user, wish.community_id) and wish.status is WishStatus.new


@rule("need.record")
def _record_need(user: User, _obj: Any) -> bool:
    return user.role is Role.secretary and user.community_id is not None


@rule("need.view_private")
def _view_need_private(user: User, need: Any) -> bool:
    """Photos, reviews and the working page: the community, its street, assigned reviewers, the district."""
    if reads_district(user) or _in_community(user, need.community_id):
        return True
    if user.role is Role.street and user.street_id == _street_of_need(need):
        return True
    return user.role is Role.expert and any(r.reviewer_id == user.id for r in need.reviews)


@rule("need.merge")
def _merge_need(user: User, need: Any) -> bool:
    open_states = (NeedStatus.recorded, NeedStatus.in_review, NeedStatus.approved)
    in_scope = _in_community(user, need.community_id) or (
        user.role is Role.street and user.street_id == _street_of_need(need))
    return in_scope and need.status in open_states


@rule("need.assign_reviewers", "need.decide")
def _street_decides(user: User, need: Any) -> bool:
    """Assign reviewers, then approve (the domain checks the mean against the threshold) or decline."""
    return (user.role is Role.street and user.street_id == _street_of_need(need)
            and need.status in (NeedStatus.recorded, NeedStatus.in_review))


@rule("need.review")
def _review_need(user: User, review: Any) -> bool:
    return (user.role is Role.expert and review.reviewer_id == user.id
            and review.submitted_at is None and review.need.status is NeedStatus.in_review)


@rule("street.manage")
def _street_officer(user: User, _obj: Any) -> bool:
    return user.role is Role.street and user.street_id is not None


@rule("reviews.list")
def _reviewer(user: User, _obj: Any) -> bool:
    return user.role is Role.expert


# --- 发榜: projects ----------------------------------------------------------------------

@rule("project.create")
def _create_project(user: User, _obj: Any) -> bool:
    return user.role is Role.street and user.street_id is not None


@rule("project.create_from")
def _project_from_need(user: User, need: Any) -> bool:
    """An approved need of the officer's street becomes (part of) a project."""
    return (user.role is Role.street and user.street_id == _street_of_need(need)
            and need.status is NeedStatus.approved)


@rule("project.open_for_bids", public=True)
def _open_for_bids(_user: Any, project: Any) -> bool:
    return records.stage(project) is ProjectStatus.bidding


@rule("project.edit", "project.publish")
def _edit_project(user: User, project: Any) -> bool:
    return (user.role is Role.street and user.street_id == project.street_id
            and records.stage(project) is ProjectStatus.draft)


@rule("project.withdraw")
def _withdraw_project(user: User, project: Any) -> bool:
    return (user.role is Role.street and user.street_id == project.street_id
            and records.stage(project) in (ProjectStatus.draft, ProjectStatus.bidding))


@rule("project.view_draft")
def _view_draft(user: User, project: Any) -> bool:
    return reads_district(user) or (user.role is Role.street and user.street_id == project.street_id)


@rule("project.ask")
def _ask(user: User, project: Any) -> bool:
    return (user.role is Role.organization and user.organization is not None
            and user.organization.status is VerificationStatus.verified
            and records.stage(project) is ProjectStatus.bidding and clock.now() < project.qa_deadline)


@rule("question.answer")
def _answer(user: User, question: Any) -> bool:
    return (user.role is Role.street and user.street_id == question.project.street_id
            and question.answer is None and records.stage(question.project) is ProjectStatus.bidding)


def needs_query(user: Any) -> Select[Any]:
    """Needs a user may look at publicly: every need except those nobody outside may see yet
    (none are secret here: a need's public page shows no personal data)."""
    return select(Need)


def projects_query(user: Any) -> Select[Any]:
    """Published and withdrawn projects for everyone; drafts only for their street and the district."""
    query = select(Project)
    if reads_district(user):
        return query
    visible = Project.status != ProjectStatus.draft
    if has_role(user, Role.street):
        visible = visible | (Project.street_id == user.street_id)
    return query.where(visible)


@rule("need.see_scores")
def _see_scores(user: User, need: Any) -> bool:
    """Review scores: the community, the street, the district — and a reviewer only once their own
    review is in (independent scoring)."""
    if user.role is Role.expert:
        return any(r.reviewer_id == user.id and r.submitted_at is not None for r in need.reviews)
    return user.role is not Role.expert and _view_need_private(user, need)


def mean_visible(user: Any, need: Any) -> bool:
    """The mean review score is public once the street has decided; before that only those who may
    see the scores see it (so a reviewer cannot read another's total before submitting)."""
    if need.status not in (NeedStatus.recorded, NeedStatus.in_review):
        return True
    return can(user, "need.see_scores", need)


# --- 揭榜: bids ------------------------------------------------------------------------------

@rule("bid.prepare")
def _prepare_bid(user: User, project: Any) -> bool:
    return (user.role is Role.organization and user.organization_id is not None
            and records.stage(project) is ProjectStatus.bidding)


@rule("bid.edit")
def _edit_bid(user: User, bid: Any) -> bool:
    return (user.role is Role.organization and user.organization_id == bid.organization_id
            and bid.status in (BidStatus.draft, BidStatus.submitted)
            and records.stage(bid.project) is ProjectStatus.bidding)


@rule("bid.confirm_partner")
def _confirm_partner(user: User, partner: Any) -> bool:
    return (user.role is Role.organization and user.organization_id == partner.organization_id
            and partner.status is PartnerStatus.invited)


@rule("bid.score")
def _score_bid(user: User, bid: Any) -> bool:
    """A panel member who signed the declaration and did not recuse scores each submitted bid once."""
    member = records.panel_member(bid.project, user)
    return (member is not None and member.declared_at is not None and member.recused_at is None
            and bid.status is BidStatus.submitted and records.stage(bid.project) is ProjectStatus.reviewing)


# --- 承榜: panel, award, objections -------------------------------------------------------------

@rule("panel.manage", "roadshow.schedule", "award.decide")
def _street_of_project(user: User, project: Any) -> bool:
    return (user.role is Role.street and user.street_id == project.street_id
            and records.stage(project) is ProjectStatus.reviewing)


@rule("panel.view")
def _panel_view(user: User, project: Any) -> bool:
    """The street's page of panel, roadshows and award, from bidding's close to the delivery."""
    return (user.role is Role.street and user.street_id == project.street_id
            and records.stage(project) in (ProjectStatus.reviewing, ProjectStatus.notice, ProjectStatus.delivery))


@rule("project.republish")
def _republish(user: User, project: Any) -> bool:
    return (user.role is Role.street and user.street_id == project.street_id
            and records.stage(project) in (ProjectStatus.failed, ProjectStatus.exited))


@rule("objection.decide")
def _decide_objection(user: User, objection: Any) -> bool:
    return (user.role is Role.street and user.street_id == objection.award.bid.project.street_id
            and objection.status is ObjectionStatus.pending)


@rule("objection.file")
def _file_objection(user: User, award: Any) -> bool:
    return award.status is AwardStatus.notice and clock.today() <= award.notice_ends_on


# --- 履约 → 考榜 -------------------------------------------------------------------------------

def _winner_user(user: User, project: Any) -> bool:
    deal = records.contract(project)
    return user.role is Role.organization and deal is not None and deal.bid.organization_id == user.organization_id


def _project_secretary(user: User, project: Any) -> bool:
    return user.role is Role.secretary and user.community_id in {c.id for c in project.communities}


@rule("delivery.plan", "delivery.report")
def _org_delivers(user: User, project: Any) -> bool:
    return records.stage(project) is ProjectStatus.delivery and _winner_user(user, project)


@rule("delivery.approve_plan", "delivery.supervise")
def _street_supervises(user: User, project: Any) -> bool:
    return (user.role is Role.street and user.street_id == project.street_id
            and records.stage(project) is ProjectStatus.delivery)


@rule("delivery.confirm")
def _community_confirms(user: User, project: Any) -> bool:
    return records.stage(project) is ProjectStatus.delivery and _project_secretary(user, project)


@rule("evaluation.manage")
def _street_evaluation(user: User, project: Any) -> bool:
    return (user.role is Role.street and user.street_id == project.street_id
            and records.stage(project) is ProjectStatus.evaluation)


@rule("evaluation.issue_codes")
def _codes(user: User, project: Any) -> bool:
    return records.stage(project) is ProjectStatus.evaluation and _project_secretary(user, project)


@rule("evaluation.correct")
def _correct(user: User, project: Any) -> bool:
    return user.role is Role.admin and records.stage(project) is ProjectStatus.evaluated


@rule("milestone.report")
def _report_milestone(user: User, milestone: Any) -> bool:
    deal = records.contract(milestone.project)
    return (_org_delivers(user, milestone.project) and deal is not None and deal.plan_approved_at is not None
            and milestone.status is not MilestoneStatus.confirmed)


@rule("milestone.confirm")
def _confirm_milestone(user: User, milestone: Any) -> bool:
    return _community_confirms(user, milestone.project) and milestone.status is MilestoneStatus.delivered


@rule("complaint.file", public=True)
def _file_complaint(_user: Any, project: Any) -> bool:
    """Residents complain about a service being delivered, without an account."""
    return records.stage(project) is ProjectStatus.delivery


@rule("complaint.decide")
def _decide_complaint(user: User, complaint: Any) -> bool:
    return _street_supervises(user, complaint.project) and complaint.status is ComplaintStatus.pending


@rule("intervention.file_plan")
def _file_plan(user: User, item: Any) -> bool:
    return _org_delivers(user, item.project) and item.status is InterventionStatus.open


@rule("intervention.decide")
def _decide_intervention(user: User, item: Any) -> bool:
    return _street_supervises(user, item.project) and item.status is InterventionStatus.plan_filed


@rule("evaluation.submit")
def _submit_evaluation(user: User, project: Any) -> bool:
    """An assigned evaluator scores once, while the evaluation is open."""
    mine = db.session.scalar(select(Evaluator).where(Evaluator.project_id == project.id,
                                                     Evaluator.user_id == user.id))
    return (records.stage(project) is ProjectStatus.evaluation and mine is not None
            and mine.submitted_at is None)


@rule("evaluation.view")
def _view_evaluation(user: User, project: Any) -> bool:
    """The evaluation page: its evaluators and those who see the delivery desk."""
    if records.stage(project) not in (ProjectStatus.evaluation, ProjectStatus.evaluated):
        return False
    return _delivery_view(user, project) or db.session.scalar(select(Evaluator.id).where(
        Evaluator.project_id == project.id, Evaluator.user_id == user.id)) is not None


@rule("delivery.view")
def _delivery_view(user: User, project: Any) -> bool:
    """The working page of delivery: the organization, the community, the street, the district."""
    return (reads_district(user) or _winner_user(user, project) or _project_secretary(user, project)
            or (user.role is Role.street and user.street_id == project.street_id))


# --- 信用 · 红黑榜 ---------------------------------------------------------------------------------

@rule("lists.manage")
def _lists_manage(user: User, _obj: Any) -> bool:
    return user.role is Role.admin


@rule("list_period.publish")
def _publish_list(user: User, period: Any) -> bool:
    return user.role is Role.admin and period.status is ListStatus.draft


@rule("list_entry.repair")
def _repair(user: User, entry: Any) -> bool:
    """A listed organization asks for credit repair at any time, one request examined at a time."""
    return (user.role is Role.organization and user.organization_id == entry.organization_id
            and entry.kind is ListKind.black and entry.removed_at is None
            and not any(a.status is AppealStatus.pending for a in entry.appeals))


@rule("list_entry.appeal")
def _appeal(user: User, entry: Any) -> bool:
    """An appeal, once, within the period's appeal window."""
    window = entry.period.appeal_until
    return (_repair(user, entry) and window is not None and clock.today() <= window
            and not any(not a.repair for a in entry.appeals))


@rule("award.withdraw")
def _withdraw_award(user: User, project: Any) -> bool:
    if user.role is not Role.organization or records.stage(project) not in (ProjectStatus.notice, ProjectStatus.delivery):
        return False
    decision = records.current_award(project)
    return decision is not None and decision.bid.organization_id == user.organization_id


# --- 廉洁监督: integrity signals (the supervisor's desk) ---------------------------------------------

@rule("integrity.desk")
def _integrity_desk(user: User, _obj: Any) -> bool:
    """The desk, the flags and their evidence: the supervisor only (oversight stays apart from those
    it oversees; the district administrator runs the tenders it would look at)."""
    return user.role is Role.supervisor



@rule("integrity.flag.decide")
def _decide_flag(user: User, flag: Any) -> bool:
    """Dismiss or refer an open flag (each with a reason); a decided flag stays decided."""
    return user.role is Role.supervisor and flag.status is FlagStatus.open


# --- 资源清单: service items ----------------------------------------------------------------------

def _own_item(user: User, item: Any) -> bool:
    return user.role is Role.organization and user.organization_id == item.organization_id


@rule("service.create")
def _create_service(user: User, _obj: Any) -> bool:
    """An organization's users describe its services (a pending organization may prepare drafts)."""
    return user.role is Role.organization and user.organization_id is not None


@rule("service.edit")
def _edit_service(user: User, item: Any) -> bool:
    return _own_item(user, item) and item.status.value in ("draft", "returned", "listed", "paused")


@rule("service.submit")
def _submit_service(user: User, item: Any) -> bool:
    return _own_item(user, item) and item.status.value in ("draft", "returned")


@rule("service.pause")
def _pause_service(user: User, item: Any) -> bool:
    return (_own_item(user, item) or user.role is Role.admin) and item.status.value == "listed"


@rule("service.resume")
def _resume_service(user: User, item: Any) -> bool:
    return _own_item(user, item) and item.status.value == "paused"


@rule("service.retire")
def _retire_service(user: User, item: Any) -> bool:
    return (_own_item(user, item) or user.role is Role.admin) and item.status.value != "retired"


@rule("service.review")
def _review_service(user: User, item: Any) -> bool:
    return user.role is Role.admin and item.status.value == "submitted"


@rule("service.view_private")
def _view_service_private(user: User, item: Any) -> bool:
    """Its drafts, returns and history of reviews: the organization and the district."""
    return _own_item(user, item) or user.role is Role.admin


@rule("catalogue.review_desk", "catalogue.import")
def _catalogue_admin(user: User, _obj: Any) -> bool:
    return user.role is Role.admin


# --- 点单会 (ordering meetings) ------------------------------------------------------------

@rule("meeting.schedule")
def _schedule_meeting(user: User, _obj: Any) -> bool:
    """The district, or a street for its own communities."""
    return user.role is Role.admin or (user.role is Role.street and user.street_id is not None)


@rule("meeting.manage")
def _manage_meeting(user: User, meeting: Any) -> bool:
    """The programme and cancellation: whoever organizes it (the district manages every meeting)."""
    if meeting.status.value != "scheduled":
        return False
    return user.role is Role.admin or (
        user.role is Role.street and meeting.street_id is not None and meeting.street_id == user.street_id)


@rule("meeting.shortlist", "meeting.order")
def _order_at_meeting(user: User, meeting: Any) -> bool:
    """The secretaries of the communities invited."""
    return (user.role is Role.secretary and meeting.status.value == "scheduled"
            and any(c.id == user.community_id for c in meeting.communities))


@rule("order.decide")
def _decide_order(user: User, order: Any) -> bool:
    return (user.role is Role.organization and user.organization_id == order.organization_id
            and order.status.value == "placed")


@rule("order.cancel")
def _cancel_order(user: User, order: Any) -> bool:
    return user.role is Role.secretary and user.community_id == order.community_id and order.status.value == "placed"


@rule("order.view_private")
def _view_order_private(user: User, order: Any) -> bool:
    """The note and the history: the community, the organization, the street and the district."""
    return (reads_district(user) or (user.role is Role.organization and user.organization_id == order.organization_id)
            or (user.role is Role.secretary and user.community_id == order.community_id)
            or (user.role is Role.street and user.street_id == order.community.street_id))
