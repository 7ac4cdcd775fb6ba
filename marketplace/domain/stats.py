"""The district's figures, computed live: for the public 数据看板 (district-wide, public data only),
a street's desk (its own scope) and the district's desk (per-street comparison, overdue items).

Every figure is one aggregate query (GROUP BY or CASE buckets) or a bounded one (LIMIT), so a page
runs the same number of queries whatever the data size (tests/test_query_counts.py). Drafts are
never counted: they are not public."""

from __future__ import annotations

import threading
import time as _time
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.sql import ColumnElement

from marketplace.domain.core import clock, rules
from marketplace.extensions import db
from marketplace.models import (
    Award,
    AwardStatus,
    Category,
    ClosingReport,
    Community,
    Complaint,
    ComplaintStatus,
    Contract,
    Evaluation,
    EvaluationGrade,
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
    ProgressReport,
    Project,
    ProjectStatus,
    Question,
    Street,
    VerificationStatus,
)

PUBLIC = tuple(s for s in ProjectStatus if s is not ProjectStatus.draft)
TAKEN = (ProjectStatus.notice, ProjectStatus.delivery, ProjectStatus.evaluation, ProjectStatus.evaluated)
# needs by where they stand: 评榜 (recorded, under review), publishable, in a project, not adopted/merged
NEED_GROUPS = (("assess", (NeedStatus.recorded, NeedStatus.in_review)), ("approved", (NeedStatus.approved,)),
               ("in_project", (NeedStatus.in_project,)), ("closed", (NeedStatus.rejected, NeedStatus.merged)))
MONTHS = 12


_cache: dict[tuple, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


def _kept(name: str, compute: Any, *args: Any) -> Any:
    """`compute(*args)`, kept per worker for FIGURES_CACHE_SECONDS (0: always computed). For the
    figures only — counts and charts of a whole district or street, where a minute's delay is the
    trade for not scanning city-sized tables on every request; work queues stay live."""
    ttl = current_app.config.get("FIGURES_CACHE_SECONDS", 0)
    if not ttl:
        return compute(*args)
    key = (name, str(db.engine.url), *args)
    hit = _cache.get(key)
    if hit and _time.monotonic() - hit[0] < ttl:
        return hit[1]
    value = compute(*args)
    with _cache_lock:
        _cache[key] = (_time.monotonic(), value)
    return value


def district_counts() -> dict[str, int]:
    """The home page's figures — streets, communities, verified organizations, needs, published
    projects — in one query, kept per worker for FIGURES_CACHE_SECONDS (whole-table counts at city
    size cost more than the rest of the page: a figure up to a minute old is the trade)."""
    return _kept("district_counts", _district_counts)


def _district_counts() -> dict[str, int]:
    row = db.session.execute(select(
        select(func.count(Street.id)).scalar_subquery().label("streets"),
        select(func.count(Community.id)).scalar_subquery().label("communities"),
        select(func.count(Organization.id)).where(Organization.status == VerificationStatus.verified)
        .scalar_subquery().label("organizations"),
        select(func.count(Need.id)).scalar_subquery().label("needs"),
        select(func.count(Project.id)).where(Project.status != ProjectStatus.draft)
        .scalar_subquery().label("projects"))).one()
    return dict(row._mapping)


@dataclass
class Figures:
    street_id: int | None
    headline: dict[str, Any] = field(default_factory=dict)
    needs_by_month: list[tuple[str, int]] = field(default_factory=list)
    needs_by_category: list[tuple[str, list[int]]] = field(default_factory=list)
    projects_by_status: list[tuple[ProjectStatus, int]] = field(default_factory=list)
    money: dict[str, Decimal] = field(default_factory=dict)
    grades: list[tuple[EvaluationGrade, int]] = field(default_factory=list)
    median_days: dict[str, Decimal | None] = field(default_factory=dict)


def _days(later: Any, earlier: Any) -> ColumnElement[Any]:
    """Days between two timestamps, as a number, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400
    return func.julianday(later) - func.julianday(earlier)


def _median(expr: ColumnElement[Any], *where: Any, joins: tuple = ()) -> Decimal | None:
    """The median of `expr` over the rows matching `where`: a count, then the middle one or two rows."""
    base = select(expr.label("d")).select_from(joins[0] if joins else None)
    for target, on in joins[1:]:
        base = base.join(target, on)
    base = base.where(*where)
    n = db.session.scalar(select(func.count()).select_from(base.subquery()))
    if not n:
        return None
    middle = db.session.scalars(base.order_by(expr).offset((n - 1) // 2).limit(2 - n % 2)).all()
    return (sum(Decimal(str(v)) for v in middle) / len(middle)).quantize(Decimal("0.1"))


def _month_starts(today: date) -> list[date]:
    first = today.replace(day=1)
    starts = []
    for _ in range(MONTHS):
        starts.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return starts[::-1]


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(), clock.LOCAL_TZ)


def figures(street_id: int | None = None) -> Figures:
    """The figures of the district, or of one street (kept per worker for FIGURES_CACHE_SECONDS: a dozen
    grouped scans of the needs and projects, ~200 ms at 100,000 needs)."""
    return _kept("figures", _figures, street_id)


def _figures(street_id: int | None) -> Figures:
    f = Figures(street_id)
    need_scope = [Community.street_id == street_id] if street_id else []
    project_scope = [Project.street_id == street_id] if street_id else []

    # needs recorded per month (local months), one query with a bucket per month
    starts = _month_starts(clock.today())
    bounds = [_utc(d) for d in starts] + [_utc((starts[-1] + timedelta(days=32)).replace(day=1))]
    buckets = [func.coalesce(func.sum(case((and_(Need.created_at >= bounds[i], Need.created_at < bounds[i + 1]), 1),
                                           else_=0)), 0) for i in range(MONTHS)]
    counts = db.session.execute(select(*buckets).select_from(Need).join(Community, Need.community_id == Community.id)
                                .where(*need_scope)).one()
    f.needs_by_month = [(f"{d.month}月\n{d.year}" if i == 0 or d.month == 1 else f"{d.month}月", int(n or 0))
                        for i, (d, n) in enumerate(zip(starts, counts))]

    # needs by category and where they stand
    rows = db.session.execute(select(Category.name, Need.status, func.count(Need.id)).select_from(Category)
                              .join(Need, Need.category_id == Category.id)
                              .join(Community, Need.community_id == Community.id).where(*need_scope)
                              .group_by(Category.id, Category.name, Need.status).order_by(Category.id)).all()
    by_category: dict[str, list[int]] = {}
    for name, status, n in rows:
        groups = by_category.setdefault(name, [0] * len(NEED_GROUPS))
        for i, (_key, members) in enumerate(NEED_GROUPS):
            if status in members:
                groups[i] += n
    f.needs_by_category = list(by_category.items())

    # projects by stage (public ones)
    by_status = dict(db.session.execute(select(Project.status, func.count(Project.id))
                                        .where(Project.status.in_(PUBLIC), *project_scope)
                                        .group_by(Project.status)).all())
    f.projects_by_status = [(s, by_status.get(s, 0)) for s in PUBLIC if by_status.get(s, 0)]

    # money: published (budget caps of published projects), awarded (contracts), spent (progress reports)
    published = db.session.scalar(select(func.coalesce(func.sum(Project.budget_cap), 0)).where(
        Project.status.in_(PUBLIC), Project.status != ProjectStatus.withdrawn, *project_scope))
    awarded = db.session.scalar(select(func.coalesce(func.sum(Contract.amount), 0)).join(
        Project, Contract.project_id == Project.id).where(*project_scope))
    spent = db.session.scalar(select(func.coalesce(func.sum(ProgressReport.spent), 0)).join(
        Project, ProgressReport.project_id == Project.id).where(*project_scope))
    f.money = {"published": Decimal(published), "awarded": Decimal(awarded), "spent": Decimal(spent)}

    # grades of evaluated projects (the latest evaluation of each)
    latest = select(func.max(Evaluation.id)).join(Project, Evaluation.project_id == Project.id).where(
        *project_scope).group_by(Evaluation.project_id)
    by_grade = dict(db.session.execute(select(Evaluation.grade, func.count(Evaluation.id))
                                       .where(Evaluation.id.in_(latest)).group_by(Evaluation.grade)).all())
    f.grades = [(g, by_grade.get(g, 0)) for g in EvaluationGrade]

    # medians: from a need's recording to its project's publication; from publication to the award
    f.median_days = {
        "need_to_project": _median(_days(Project.published_at, Need.created_at),
                                   Project.published_at.is_not(None), *project_scope,
                                   joins=(Need, (Project, Need.project_id == Project.id))),
        "publication_to_award": _median(_days(Award.created_at, Project.published_at),
                                        Award.round == 1, Award.status != AwardStatus.reopened, *project_scope,
                                        joins=(Award, (Project, Award.project_id == Project.id))),
    }

    # headline figures
    need_total, communities_with_needs, streets_with_needs = db.session.execute(
        select(func.count(Need.id), func.count(func.distinct(Need.community_id)),
               func.count(func.distinct(Community.street_id))).select_from(Need)
        .join(Community, Need.community_id == Community.id).where(*need_scope)).one()
    communities = db.session.scalar(select(func.count(Community.id)).where(*need_scope))
    f.headline = {
        "needs": need_total, "communities_with_needs": communities_with_needs, "communities": communities,
        "streets_with_needs": streets_with_needs,
        "streets": 1 if street_id else db.session.scalar(select(func.count(Street.id))),
        "projects": sum(by_status.values()),
        "taken": sum(by_status.get(s, 0) for s in TAKEN),
        "evaluated": by_status.get(ProjectStatus.evaluated, 0),
        "organizations": None if street_id else db.session.scalar(select(func.count(Organization.id)).where(
            Organization.status == VerificationStatus.verified)),
    }
    return f


@dataclass
class StreetRow:
    street: str
    needs: int
    projects: int
    awarded: Decimal
    overdue: int  # milestones past their date
    mean_total: Decimal | None = None  # the mean 考榜 total of its evaluated projects (latest evaluation each)
    evaluated: int = 0
    late_decisions: int = 0  # decisions waiting past their deadline (see `overdue_decisions`)


def per_street(late: list[LateKind] | None = None) -> list[StreetRow]:
    """Each street side by side: needs, public projects, money awarded, overdue milestones, the mean
    evaluation total (five grouped queries); with `late` (from `overdue_decisions()`), the decisions
    waiting past their deadline too."""
    streets = db.session.execute(select(Street.id, Street.name).order_by(Street.id)).all()
    needs = dict(db.session.execute(select(Community.street_id, func.count(Need.id)).join(
        Need, Need.community_id == Community.id).group_by(Community.street_id)).all())
    projects = dict(db.session.execute(select(Project.street_id, func.count(Project.id)).where(
        Project.status.in_(PUBLIC)).group_by(Project.street_id)).all())
    awarded = dict(db.session.execute(select(Project.street_id, func.sum(Contract.amount)).join(
        Contract, Contract.project_id == Project.id).group_by(Project.street_id)).all())
    overdue = dict(db.session.execute(select(Project.street_id, func.count(Milestone.id)).join(
        Milestone, Milestone.project_id == Project.id).where(*_overdue_clause()).group_by(Project.street_id)).all())
    latest = select(func.max(Evaluation.id)).group_by(Evaluation.project_id)
    grades = {i: (mean, n) for i, mean, n in db.session.execute(
        select(Project.street_id, func.avg(Evaluation.total), func.count(Evaluation.id))
        .join(Project, Evaluation.project_id == Project.id).where(Evaluation.id.in_(latest))
        .group_by(Project.street_id)).all()}
    late_by_street: dict[int, int] = {}
    for kind in late or []:
        for street_id, n in kind.by_street.items():
            late_by_street[street_id] = late_by_street.get(street_id, 0) + n
    rows = []
    for i, name in streets:
        mean, evaluated = grades.get(i, (None, 0))
        rows.append(StreetRow(name, needs.get(i, 0), projects.get(i, 0), Decimal(awarded.get(i) or 0),
                              overdue.get(i, 0),
                              None if mean is None else Decimal(str(mean)).quantize(Decimal("0.1")), evaluated,
                              late_by_street.get(i, 0)))
    return rows


def _overdue_clause() -> list[Any]:
    return [Project.status == ProjectStatus.delivery, Milestone.due_on < clock.today(),
            Milestone.status.in_((MilestoneStatus.planned, MilestoneStatus.disputed))]


@dataclass
class Overdue:
    project_code: str
    project_title: str
    street: str
    output: str
    due_on: date
    days: int


def overdue_milestones(street_id: int | None = None, limit: int = 20) -> tuple[int, list[Overdue]]:
    """Milestones past their date and not delivered, the most overdue first: (how many, the first `limit`)."""
    where = _overdue_clause() + ([Project.street_id == street_id] if street_id else [])
    total = db.session.scalar(select(func.count(Milestone.id)).join(Project, Milestone.project_id == Project.id)
                              .where(*where))
    rows = db.session.execute(select(Project.code, Project.title, Street.name, Milestone.output, Milestone.due_on)
                              .join(Project, Milestone.project_id == Project.id)
                              .join(Street, Project.street_id == Street.id)
                              .where(*where).order_by(Milestone.due_on, Milestone.id).limit(limit)).all()
    today = clock.today()
    return total or 0, [Overdue(c, t, s, o, d, (today - d).days) for c, t, s, o, d in rows]



@dataclass
class LateKind:
    key: str
    label: Any
    count: int
    by_street: dict[int, int]


def overdue_decisions(street_id: int | None = None) -> list[LateKind]:
    """Decisions waiting past their deadline, by kind (the dashboard's due dates: a response within
    `due.response_days`, the award within `due.scoring_days` of the bidding deadline, an objection
    before the notice ends, the evaluation within `due.evaluation_days` of the closing sign-off), each
    counted per street: one grouped query per kind, whatever the data size."""
    today = clock.today()

    def cutoff(rule: str) -> datetime:  # due = local day + N days; past due when that day is before today
        return _utc(today - timedelta(days=int(rules.get_rule(rule))))

    respond = cutoff("due.response_days")
    pending_review = select(NeedReview.id).where(NeedReview.need_id == Need.id, NeedReview.submitted_at.is_(None))
    need_kinds = (
        ("reviewers", _l("Needs waiting for reviewers"), [Need.status == NeedStatus.recorded]),
        ("decide", _l("Reviewed needs waiting for a decision"),
         [Need.status == NeedStatus.in_review, ~pending_review.exists()]),
    )
    kinds: list[LateKind] = []
    for key, label, where in need_kinds:
        scope = [Community.street_id == street_id] if street_id else []
        rows = db.session.execute(select(Community.street_id, func.count(Need.id)).join(
            Need, Need.community_id == Community.id).where(*where, Need.created_at < respond, *scope)
            .group_by(Community.street_id)).all()
        kinds.append(LateKind(key, label, sum(n for _s, n in rows), dict(rows)))

    scope = [Project.street_id == street_id] if street_id else []
    project_kinds = (
        ("questions", _l("Bidders' questions unanswered"), select(Project.street_id, func.count(Question.id))
         .join(Question, Question.project_id == Project.id)
         .where(Question.answer.is_(None), Project.status == ProjectStatus.bidding, Question.created_at < respond)),
        ("award", _l("Closed tenders waiting for the award"), select(Project.street_id, func.count(Project.id))
         .where(Project.status == ProjectStatus.reviewing, Project.bid_deadline < cutoff("due.scoring_days"))),
        ("objections", _l("Objections undecided after the notice ended"),
         select(Project.street_id, func.count(Objection.id)).select_from(Objection)
         .join(Award, Objection.award_id == Award.id).join(Project, Award.project_id == Project.id)
         .where(Objection.status == ObjectionStatus.pending, Award.status == AwardStatus.notice,
                Award.notice_ends_on < today)),
        ("complaints", _l("Complaints waiting for a decision"), select(Project.street_id, func.count(Complaint.id))
         .join(Complaint, Complaint.project_id == Project.id)
         .where(Complaint.status == ComplaintStatus.pending, Complaint.created_at < respond)),
        ("plans", _l("Rectification plans waiting for a decision"),
         select(Project.street_id, func.count(Intervention.id)).join(Intervention, Intervention.project_id == Project.id)
         .where(Intervention.status == InterventionStatus.plan_filed, Intervention.plan_filed_at < respond)),
        ("evaluations", _l("Evaluations (考榜) past their deadline"),
         select(Project.street_id, func.count(Project.id)).join(ClosingReport, ClosingReport.project_id == Project.id)
         .where(Project.status == ProjectStatus.evaluation,
                ClosingReport.signed_off_at < cutoff("due.evaluation_days"))),
    )
    for key, label, query in project_kinds:
        rows = db.session.execute(query.where(*scope).group_by(Project.street_id)).all()
        kinds.append(LateKind(key, label, sum(n for _s, n in rows), dict(rows)))
    return kinds
