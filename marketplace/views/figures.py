"""数据看板: the district's figures as charts anyone can read (public data only), for the district or
one street; the street desk shows its own (see `street_charts`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace import charts
from marketplace.domain import stats
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


def street_charts(rows: list[stats.StreetRow]) -> dict[str, charts.Chart]:
    active = [r for r in rows if r.needs or r.projects or r.awarded]
    quiet = len(rows) - len(active)
    note = _("The other %(n)s streets have no needs or projects yet.", n=quiet) if quiet else None
    return {
        "streets": charts.grouped("streets", _("Streets side by side: needs and projects"),
                                  [_("Number of needs"), _("Number of projects")],
                                  [(r.street, [r.needs, r.projects]) for r in active], label_header=_("Street"),
                                  note=note),
        "streets-money": charts.bars("streets-money", _("Money awarded by street (yuan)"),
                                     [(r.street, r.awarded) for r in active], label_header=_("Street"),
                                     value_label=_("yuan"), places=0, note=note),
    }


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
