"""What a project or a need page shows at a glance: where it stands in the cycle (the stage bar
评榜 → 发榜 → 揭榜 → 承榜 → 履约 → 考榜) and the summary box (winner, amount, spent, grade).
Read-only, public facts only (the winner is public from the award's notice on)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.domain.core import records
from marketplace.extensions import db
from marketplace.models import (
    Award,
    AwardStatus,
    Bid,
    Evaluation,
    EvaluationGrade,
    Milestone,
    MilestoneStatus,
    Need,
    NeedStatus,
    Organization,
    Party,
    ProgressReport,
    Project,
    ProjectStatus,
)

STEPS: tuple[tuple[str, str, Any], ...] = (
    ("assess", "评榜", _l("Needs are vetted")),
    ("publish", "发榜", _l("Projects are published")),
    ("bid", "揭榜", _l("Organizations bid")),
    ("award", "承榜", _l("A panel scores and awards")),
    ("deliver", "履约", _l("The winner delivers")),
    ("evaluate", "考榜", _l("Four parties evaluate")),
)

# where each project status stands: (index of the current step, whether the cycle stopped there)
_PROJECT_AT: dict[ProjectStatus, tuple[int, bool]] = {
    ProjectStatus.draft: (1, False),
    ProjectStatus.bidding: (2, False),
    ProjectStatus.withdrawn: (1, True),
    ProjectStatus.failed: (2, True),
    ProjectStatus.reviewing: (3, False),
    ProjectStatus.notice: (3, False),
    ProjectStatus.delivery: (4, False),
    ProjectStatus.exited: (4, True),
    ProjectStatus.evaluation: (5, False),
    ProjectStatus.evaluated: (6, False),  # past the last step: every step done
}


@dataclass(frozen=True)
class Step:
    key: str
    name: str
    hint: Any
    state: str  # done | current | stopped | todo

    @property
    def state_label(self) -> Any:
        return {"done": _l("done"), "current": _l("current stage"), "stopped": _l("stopped here"),
                "todo": _l("still to come")}[self.state]


def _steps(at: int, stopped: bool) -> list[Step]:
    def state(i: int) -> str:
        if i < at:
            return "done"
        if i == at:
            return "stopped" if stopped else "current"
        return "todo"
    return [Step(key, name, hint, state(i)) for i, (key, name, hint) in enumerate(STEPS)]


def project_steps(project: Project) -> list[Step]:
    return _steps(*_PROJECT_AT[records.stage(project)])


def need_steps(need: Need) -> list[Step]:
    """A need is in 评榜 until approved, waits for 发榜 once approved, and follows its project after."""
    if need.status is NeedStatus.in_project and need.project is not None:
        return project_steps(need.project)
    if need.status is NeedStatus.approved:
        return _steps(1, False)
    return _steps(0, need.status in (NeedStatus.rejected, NeedStatus.merged))


@dataclass(frozen=True)
class Summary:
    winner: Organization | None
    winner_final: bool
    amount: Decimal | None  # the contract's amount, or the winning bid's total during the notice
    budget_cap: Decimal
    spent: Decimal | None
    grade: EvaluationGrade | None
    total: Decimal | None

    @property
    def spent_share(self) -> int | None:
        if self.spent is None or not self.amount:
            return None
        return round(self.spent * 100 / self.amount)


def project_summary(project: Project) -> Summary:
    """Winner, amount, spent and grade in at most four queries."""
    winner = None
    amount: Decimal | None = None
    final = False
    decision = records.current_award(project)
    if decision is not None:
        winner = db.session.scalar(select(Organization).join(Bid, Bid.organization_id == Organization.id)
                                   .where(Bid.id == decision.bid_id))
        final = decision.status is AwardStatus.final
        deal = records.contract(project) if final else None
        amount = deal.amount if deal is not None else db.session.scalar(
            select(Bid.budget_total).where(Bid.id == decision.bid_id))
    spent = None
    if records.stage(project) in (ProjectStatus.delivery, ProjectStatus.evaluation, ProjectStatus.evaluated,
                                  ProjectStatus.exited):
        spent = db.session.scalar(select(func.coalesce(func.sum(ProgressReport.spent), 0))
                                  .where(ProgressReport.project_id == project.id))
        spent = Decimal(spent)
    result = db.session.execute(select(Evaluation.grade, Evaluation.total)
                                .where(Evaluation.project_id == project.id)).first()
    return Summary(winner=winner, winner_final=final, amount=amount, budget_cap=project.budget_cap, spent=spent,
                   grade=result[0] if result else None, total=result[1] if result else None)


# --- the figures behind a project (charts on its page) ----------------------------------------------

@dataclass(frozen=True)
class BidderScores:
    rank: int
    organization: str
    criteria: dict[str, Decimal | None]  # the panel's mean score per criterion
    panel: Decimal  # the panel score (trimmed mean of the members' totals)
    price: Decimal
    bonuses: Decimal  # red list + grade
    total: Decimal
    winner: bool


@dataclass(frozen=True)
class AwardScores:
    criteria: list[str]  # criterion keys, in the project's order (price apart)
    bidders: list[BidderScores]
    status: AwardStatus


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def award_scores(project: Project) -> AwardScores | None:
    """The scores behind the award, per bidder and per criterion, read from the award's ranking — the
    snapshot frozen when the street decided and public from the award's notice on (the same figures
    as the why-this-winner page). Nothing before an award: the panel's scores stay with the panel
    until then. Nothing for a direct commission either (no tender, no scores). One query."""
    decisions = list(db.session.scalars(select(Award).where(Award.project_id == project.id)
                                        .order_by(Award.round.desc())))
    if not decisions:
        return None
    decision = next((d for d in decisions if d.status is not AwardStatus.reopened), decisions[0])
    ranking = [r for r in decision.ranking or [] if r.get("scores")]
    if not ranking:
        return None
    keys = [k for k in (project.criteria or {}) if k in ranking[0].get("criteria", {})]
    keys += [k for k in ranking[0].get("criteria", {}) if k not in keys]
    bidders = [BidderScores(int(r.get("rank") or i + 1), r["organization"],
                            {k: _dec(r.get("criteria", {}).get(k)) for k in keys}, _dec(r["panel_score"]) or Decimal(0),
                            _dec(r["price_score"]) or Decimal(0),
                            (_dec(r["red_bonus"]) or Decimal(0)) + (_dec(r["grade_bonus"]) or Decimal(0)),
                            _dec(r["total"]) or Decimal(0), r["bid_id"] == decision.bid_id)
               for i, r in enumerate(ranking)]
    return AwardScores(keys, sorted(bidders, key=lambda b: b.rank), decision.status)


@dataclass(frozen=True)
class PartScore:
    party: Party
    score: Decimal | None  # None: the party did not evaluate (its weight went to the others)
    weight: Decimal  # the rules' weight
    used_weight: Decimal  # the weight it carried in the total


def evaluation_parts(result: Evaluation | None) -> list[PartScore]:
    """The four parties' scores and weights of a 考榜 evaluation, in the parties' order (no query)."""
    if result is None:
        return []
    return [PartScore(party, _dec(v.get("score")), _dec(v.get("weight")) or Decimal(0),
                      _dec(v.get("used_weight")) or Decimal(0))
            for party in Party for key, v in (result.parts or {}).items() if key == party.value]


@dataclass(frozen=True)
class MilestoneSpending:
    seq: int
    output: str
    due_on: Any
    planned: Decimal  # the milestone's tranche
    spent: Decimal  # spending reported against it
    status: MilestoneStatus


def spending(project: Project) -> list[MilestoneSpending]:
    """Spending against the milestones: each milestone's tranche and what its progress reports spent
    (one grouped query)."""
    rows = db.session.execute(
        select(Milestone.seq, Milestone.output, Milestone.due_on, Milestone.tranche, Milestone.status,
               func.coalesce(func.sum(ProgressReport.spent), 0))
        .outerjoin(ProgressReport, ProgressReport.milestone_id == Milestone.id)
        .where(Milestone.project_id == project.id)
        .group_by(Milestone.id, Milestone.seq, Milestone.output, Milestone.due_on, Milestone.tranche,
                  Milestone.status)
        .order_by(Milestone.seq)).all()
    return [MilestoneSpending(seq, output, due, Decimal(str(planned)), Decimal(str(spent)), status)
            for seq, output, due, planned, status, spent in rows]


__all__ = ["STEPS", "AwardScores", "BidderScores", "MilestoneSpending", "PartScore", "Step", "Summary",
           "award_scores", "evaluation_parts", "need_steps", "project_steps", "project_summary", "spending"]
