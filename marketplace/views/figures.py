"""数据看板: the district's figures as charts anyone can read (public data only), for the district or
one street; the street desk shows its own (see `street_charts`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace import charts
from marketplace.domain import overview, stats
from marketplace.domain.core import rules
from marketplace.extensions import db
from marketplace.models import Street

bp = Blueprint("figures", __name__)

def figure_charts(f: stats.Figures) -> dict[str, charts.Chart]:
    """The charts of a set of figures, keyed (each key is unique on the page)."""
    yuan = _("yuan")
    group_labels = [_("Under review (评榜)"), _("Approved to publish"), _("Published as a project"),
                    _("Not adopted or merged")]
    return {
        "needs-month": charts.columns("needs-month", _("Needs recorded per month"), f.needs_by_month,
                                      label_header=_("Month"), value_label=_("Number of needs")),
        "needs-category": charts.stacked("needs-category", _("Needs by category and where they stand"),
                                         group_labels, f.needs_by_category, label_header=_("Category"),
                                         total_header=_("All needs")),
        "projects-stage": charts.bars("projects-stage", _("Projects by stage"),
                                      [(s.label, n) for s, n in f.projects_by_status],
                                      label_header=_("Stage"), value_label=_("Number of projects")),
        "money": charts.bars("money", _("Money published, awarded and spent (yuan)"), [
            (_("Published (budget caps)"), f.money["published"]), (_("Awarded (contracts)"), f.money["awarded"]),
            (_("Spent (progress reports)"), f.money["spent"])], label_header=_("Amount"), value_label=yuan, places=0),
        "grades": charts.bars("grades", _("Grades of evaluated projects (考榜)"),
                              [(g.label, n) for g, n in f.grades], label_header=_("Grade"), value_label=_("Number of projects")),
    }


def street_charts(rows: list[stats.StreetRow], desk: bool = False) -> dict[str, charts.Chart]:
    """The streets side by side; on the district's desk also their mean grade and what is overdue."""
    active = [r for r in rows if r.needs or r.projects or r.awarded]
    quiet = len(rows) - len(active)
    note = _("The other %(n)s streets have no needs or projects yet.", n=quiet) if quiet else None
    extra: dict[str, charts.Chart] = {}
    if desk:
        graded = [r for r in rows if r.mean_total is not None]
        extra["streets-grade"] = charts.bars(
            "streets-grade", _("Mean evaluation total (考榜) by street"),
            [(r.street, r.mean_total) for r in graded], maximum=100, label_header=_("Street"),
            value_label=_("Mean total (points)"), places=1,
            note=_("Out of 100; the latest evaluation of each evaluated project."))
        extra["streets-grade"].columns.append(_("Evaluated projects"))
        for row, r in zip(extra["streets-grade"].rows, graded):
            row.append(str(r.evaluated))
        late = [r for r in rows if r.overdue or r.late_decisions]
        extra["streets-late"] = charts.stacked(
            "streets-late", _("Overdue by street"), [_("Milestones past their date"), _("Decisions past their deadline")],
            [(r.street, [r.overdue, r.late_decisions]) for r in late], label_header=_("Street"),
            total_header=_("All overdue items"),
            note=_("Streets with nothing overdue are not drawn.") if len(late) < len(rows) else None)
    return {
        "streets": charts.grouped("streets", _("Streets side by side: needs and projects"),
                                  [_("Number of needs"), _("Number of projects")],
                                  [(r.street, [r.needs, r.projects]) for r in active], label_header=_("Street"),
                                  note=note),
        "streets-money": charts.bars("streets-money", _("Money awarded by street (yuan)"),
                                     [(r.street, r.awarded) for r in active], label_header=_("Street"),
                                     value_label=_("yuan"), places=0, note=note),
        **extra,
    }


def late_chart(milestones: int, late: list[stats.LateKind]) -> charts.Chart:
    """What is overdue, counted by kind: milestones past their date and decisions past their deadline."""
    rows = [(_("Milestones past their date"), milestones)] + [(k.label, k.count) for k in late]
    return charts.bars("overdue", _("Overdue items by kind"), [(label, n) for label, n in rows if n],
                       label_header=_("Kind"), value_label=_("Number"))


def award_charts(scores: overview.AwardScores | None, labels: dict[str, Any]) -> dict[str, charts.Chart]:
    """The scores behind the award: each bidder's total in its parts, and the panel's mean per criterion."""
    if scores is None:
        return {}
    names = [("★ " if b.winner else "") + f"{b.rank}. {b.organization}" for b in scores.bidders]
    return {
        "award-total": charts.stacked(
            "award-total", _("Each bidder's total and its parts"), [_("Panel score"), _("Price"), _("Bonuses")],
            [(name, [b.panel, b.price, b.bonuses]) for name, b in zip(names, scores.bidders)],
            label_header=_("Bidder"), total_header=_("Total"),
            note=_("★ the winner. Bonuses: red list and grade.")),
        "award-criteria": charts.grouped(
            "award-criteria", _("The panel's mean score per criterion"), [labels.get(k, k) for k in scores.criteria],
            [(name, [b.criteria.get(k) for k in scores.criteria]) for name, b in zip(names, scores.bidders)],
            label_header=_("Bidder"), places=1),
    }


def evaluation_chart(result: Any, parts: list[overview.PartScore]) -> charts.Chart | None:
    """The four parties' scores (考榜) and the weighted total, out of 100."""
    if result is None:
        return None
    chart = charts.bars("evaluation", _("Evaluation (考榜): each party's score and the weighted total"),
                        [(p.party.label, p.score) for p in parts] + [(_("Weighted total"), result.total)],
                        maximum=100, places=1, label_header=_("Party"), value_label=_("Score (out of 100)"),
                        note=_("Grade: %(g)s. A party that did not evaluate carries no weight; the others share it.",
                               g=result.grade.label))
    chart.columns.append(_("Weight in the total (%)"))
    for row, p in zip(chart.rows, parts):
        row.append(charts.number(p.used_weight))
    chart.rows[-1].append("100")
    return chart


def spending_chart(rows: list[overview.MilestoneSpending]) -> charts.Chart | None:
    """Spending against the milestones: each tranche and the spending reported on it."""
    if not rows:
        return None
    planned, spent = sum(r.planned for r in rows), sum(r.spent for r in rows)
    return charts.grouped("spending", _("Spending against the milestones (yuan)"),
                          [_("Tranche"), _("Spent")],
                          [(f"{r.seq}. {r.output}", [r.planned, r.spent]) for r in rows],
                          label_header=_("Milestone"), places=0,
                          note=_("In all %(s)s of %(p)s yuan spent.", s=charts.number(spent, 0),
                                 p=charts.number(planned, 0)))


def credit_chart(points: list[tuple[Any, Any]]) -> charts.Chart:
    """An organization's credit over time with the black-list and red-list lines."""
    black, red = rules.get_rule("lists.black_below_credit"), rules.get_rule("lists.red_min_credit")
    top = max([100.0] + [float(v) for _d, v in points])
    return charts.line("credit", _("Credit score over time"), [(d.isoformat(), v) for d, v in points],
                       lines=[(black, _("Black list line")), (red, _("Red list line"))], maximum=top,
                       label_header=_("Date"), value_label=_("Credit score"),
                       note=_("Computed from the credit ledger as of each day it changed."))


@bp.get("/data")
def index():
    streets = db.session.execute(select(Street.id, Street.name).order_by(Street.id)).all()
    street_id = request.args.get("street", type=int)
    street = next((name for i, name in streets if i == street_id), None)
    if street is None:
        street_id = None
    f = stats.figures(street_id)
    context: dict[str, Any] = {"f": f, "charts": figure_charts(f), "streets": streets, "street_id": street_id,
                               "street": street, "overdue": stats.overdue_milestones(street_id), "street_charts": None}
    if street_id is None:
        context["street_charts"] = street_charts(stats.per_street())
    return render_template("figures/index.html", **context)
