"""Reminders before deadlines, sent by `flask deadlines tick`: an organization with an intent letter
still in draft before the bidding deadline, a panel member who has not scored every bid before the
scoring date, an evaluator who has not scored before the evaluation date, an organization whose
milestone falls due, a black-listed organization whose appeal window is closing. Each reminder goes once per person and deadline (in-app and, through
`notify`, by mail), `due.remind_days` days before (a rule the district sets, public on /rules)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from marketplace.domain.core import clock, notify, rules
from marketplace.extensions import db
from marketplace.models import (
    Appeal,
    Bid,
    BidScore,
    BidStatus,
    ClosingReport,
    Contract,
    Evaluator,
    ListEntry,
    ListKind,
    ListPeriod,
    ListStatus,
    Milestone,
    MilestoneStatus,
    Notification,
    PanelMember,
    Project,
    ProjectStatus,
    User,
)


def _local(moment) -> date:
    return moment.astimezone(clock.LOCAL_TZ).date()


def _once(users: list[User], kind: str, params: dict, link: str) -> int:
    """Notify those of `users` not yet reminded of this (kind, link)."""
    if not users:
        return 0
    done = set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == kind, Notification.link == link, Notification.user_id.in_([u.id for u in users]))))
    return notify.notify([u for u in users if u.id not in done], kind, params, link)


def _org_users(org_ids: set[int]) -> dict[int, list[User]]:
    users: dict[int, list[User]] = {}
    for user in db.session.scalars(select(User).where(User.organization_id.in_(org_ids), User.active.is_(True))):
        users.setdefault(user.organization_id, []).append(user)
    return users


def send_due() -> int:
    """Send every reminder now due; returns how many people were reminded."""
    today, now = clock.today(), clock.now()
    ahead = int(rules.get_rule("due.remind_days"))
    horizon = today + timedelta(days=ahead)
    sent = 0

    # 揭榜: intent letters in draft, deadline within the horizon and not passed
    drafts = db.session.execute(select(Project.code, Project.title, Project.bid_deadline, Bid.organization_id).join(
        Bid, Bid.project_id == Project.id).where(
        Project.status == ProjectStatus.bidding, Project.bid_deadline > now, Bid.status == BidStatus.draft)).all()
    drafts = [row for row in drafts if _local(row.bid_deadline) <= horizon]
    org_users = _org_users({row.organization_id for row in drafts})
    for code, title, deadline, org_id in drafts:
        sent += _once(org_users.get(org_id, []), "reminder.bid_deadline",
                      {"code": code, "title": title, "date": _local(deadline).isoformat()}, f"/projects/{code}/bid")

    # 承榜: panel members who have not scored every bid
    scoring_days = int(rules.get_rule("due.scoring_days"))
    scored = (select(func.count(BidScore.id)).where(BidScore.member_id == PanelMember.id)
              .correlate(PanelMember).scalar_subquery())
    bids = (select(func.count(Bid.id)).where(Bid.project_id == Project.id, Bid.status == BidStatus.submitted)
            .correlate(Project).scalar_subquery())
    rows = db.session.execute(select(Project.code, Project.bid_deadline, PanelMember.user_id).join(
        PanelMember, PanelMember.project_id == Project.id).where(
        Project.status == ProjectStatus.reviewing, PanelMember.recused_at.is_(None), scored < bids)).all()
    for code, deadline, user_id in rows:
        due = _local(deadline) + timedelta(days=scoring_days)
        if today <= due <= horizon:
            sent += _once([db.session.get(User, user_id)], "reminder.scoring", {"code": code, "date": due.isoformat()},
                          f"/projects/{code}/review")

    # 考榜: evaluators who have not scored
    evaluation_days = int(rules.get_rule("due.evaluation_days"))
    rows = db.session.execute(select(Project.code, ClosingReport.signed_off_at, Evaluator.user_id).join(
        Evaluator, Evaluator.project_id == Project.id).join(ClosingReport, ClosingReport.project_id == Project.id)
        .where(Project.status == ProjectStatus.evaluation, Evaluator.submitted_at.is_(None),
               ClosingReport.signed_off_at.is_not(None))).all()
    for code, signed, user_id in rows:
        due = _local(signed) + timedelta(days=evaluation_days)
        if today <= due <= horizon:
            sent += _once([db.session.get(User, user_id)], "reminder.evaluation",
                          {"code": code, "date": due.isoformat()}, f"/projects/{code}/evaluation")

    # 履约: milestones falling due
    rows = db.session.execute(select(Project.code, Milestone.seq, Milestone.output, Milestone.due_on,
                                     Bid.organization_id).join(Milestone, Milestone.project_id == Project.id)
                              .join(Contract, Contract.project_id == Project.id).join(Bid, Contract.bid_id == Bid.id)
                              .where(Project.status == ProjectStatus.delivery,
                                     Milestone.status == MilestoneStatus.planned,
                                     Milestone.due_on >= today, Milestone.due_on <= horizon)).all()
    org_users = _org_users({row.organization_id for row in rows})
    for code, seq, output, due_on, org_id in rows:
        sent += _once(org_users.get(org_id, []), "reminder.milestone",
                      {"code": code, "output": output, "date": due_on.isoformat()},
                      f"/projects/{code}/delivery#milestone-{seq}")

    # 红黑榜: a black-list entry not yet appealed, its period's appeal window closing
    appealed = select(Appeal.id).where(Appeal.entry_id == ListEntry.id).exists()
    rows = db.session.execute(select(ListPeriod.code, ListPeriod.appeal_until, ListEntry.organization_id).join(
        ListEntry, ListEntry.period_id == ListPeriod.id).where(
        ListPeriod.status == ListStatus.published, ListPeriod.appeal_until >= today,
        ListPeriod.appeal_until <= horizon, ListEntry.kind == ListKind.black, ListEntry.removed_at.is_(None),
        ~appealed)).all()
    org_users = _org_users({row.organization_id for row in rows})
    for code, until, org_id in rows:
        sent += _once(org_users.get(org_id, []), "reminder.appeal",
                      {"code": code, "date": until.isoformat()}, f"/my/credit#list-{code}")
    return sent
