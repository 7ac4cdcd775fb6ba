"""廉洁监督 pages for the supervisor: the desk of flags and a flag's page. Reading a flag's evidence
is a recorded act (a POST with a reason); pages never compute signals (`flask integrity scan` does)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace import charts
from marketplace.domain.core import permissions
from marketplace.domain.integrity import flags, signals
from marketplace.extensions import db
from marketplace.forms.integrity import DismissFlagForm, OpenFlagForm, ReferFlagForm
from marketplace.models import FlagStatus, IntegrityFlag, Severity, Signal, Street
from marketplace.views.helpers import get_or_404, int_arg
from marketplace.views.transaction import shows_refusals

bp = Blueprint("integrity", __name__, url_prefix="/integrity")
DESK_LIMIT = 200


@bp.get("/")
@login_required
def desk():
    permissions.require(current_user, "integrity.desk")
    status = request.args.get("status", "open")
    signal, severity, street = request.args.get("signal", ""), request.args.get("severity", ""), int_arg("street")
    found = db.session.scalars(flags.desk_query(status, signal, severity, street).limit(DESK_LIMIT)).all()
    named = flags.names(found)
    related = {f.id: flags.project_ids(f, named) for f in found}
    return render_template("integrity/desk.html", flags=found, named=named, summary=flags.summary, related=related,
                           counts=flags.counts(), signals=list(Signal), severities=list(Severity),
                           statuses=list(FlagStatus), streets=db.session.scalars(select(Street).order_by(Street.id)).all(),
                           filters={"status": status, "signal": signal, "severity": severity, "street": street},
                           limit=DESK_LIMIT)


def _chart(flag: IntegrityFlag, named) -> charts.Chart | None:
    rows = (flag.evidence or {}).get("rows") or []
    code = lambda p: named["projects"][p].code if p in named["projects"] else str(p)  # noqa: E731
    if flag.signal is Signal.outlier_rater:
        return charts.bars("deviation", _("Deviation from the panel, per tender (points)"),
                           [(code(r["project"]), r["deviation"]) for r in rows], label_header=_("Project"),
                           note=_("The district's median deviation: %(m)s points.", m=flag.facts.get("district_median")))
    if flag.signal is Signal.favouritism:
        return charts.grouped("favour", _("This member's score and the panel's consensus"),
                              [_("Member"), _("Panel")], [(code(r["project"]), (r["score"], r["consensus"])) for r in rows],
                              label_header=_("Project"))
    if flag.signal is Signal.concentration:
        return charts.bars("shares", _("Share of the money awarded (%)"),
                           [(str(named["orgs"].get(r["org"], r["org"])), r["share"]) for r in rows], unit="%",
                           label_header=_("Organization"))
    if flag.signal is Signal.price_outlier:
        return charts.bars("prices", _("Winning prices in the category (yuan)"),
                           [(code(r["project"]) + (" ◆" if r["flagged"] else ""), r["price"]) for r in rows],
                           label_header=_("Project"), note=_("◆ the flagged award"))
    if flag.signal is Signal.rotation and all(r["winner_score"] is not None for r in rows):
        return charts.grouped("cover", _("The winner's score and the best losing score (panel consensus)"),
                              [_("Winner"), _("Best losing bid")],
                              [(code(r["project"]) + " · " + str(named["orgs"].get(r["winner"], r["winner"])),
                                (r["winner_score"], r["loser_score"])) for r in rows], label_header=_("Project"))
    return None


@bp.route("/flags/<int:flag_id>", methods=["GET", "POST"])
@login_required
@shows_refusals
def flag(flag_id: int):
    permissions.require(current_user, "integrity.desk")
    item = get_or_404(select(IntegrityFlag).where(IntegrityFlag.id == flag_id))
    step = request.form.get("step") if request.method == "POST" else None
    opener, dismisser, referrer = (OpenFlagForm(prefix="open"), DismissFlagForm(prefix="dismiss"),
                                   ReferFlagForm(prefix="refer"))
    status = 200
    if step == "open":
        if opener.validate_on_submit():
            flags.open_evidence(current_user, item, opener.reason.data)
            return redirect(url_for("integrity.flag", flag_id=item.id))
        status = 400
    elif step == "dismiss":
        if dismisser.validate_on_submit():
            flags.dismiss(current_user, item, dismisser.reason.data)
            flash(_("Flag dismissed; the reason is on the record."), "success")
            return redirect(url_for("integrity.flag", flag_id=item.id))
        status = 400
    elif step == "refer":
        if referrer.validate_on_submit():
            flags.refer(current_user, item, referrer.reason.data, referrer.to.data)
            flash(_("Flag referred; the reason is on the record."), "success")
            return redirect(url_for("integrity.flag", flag_id=item.id))
        status = 400
    elif request.method == "POST":
        status = 400
    readable = flags.may_read(current_user, item)
    named = flags.names([item])
    return render_template("integrity/flag.html", flag=item, named=named, summary=flags.summary(item, named),
                           readable=readable, chart=_chart(item, named) if readable else None,
                           explanation=flags.EXPLANATIONS.get(item.signal), looks=flags.looks(item),
                           opener=opener, dismisser=dismisser, referrer=referrer,
                           identity_labels=flags.IDENTITY_LABELS, look_hours=flags.LOOK_HOURS), status
