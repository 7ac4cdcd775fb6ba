"""履约 → 考榜 pages: the delivery desk (plan, progress, confirmation, complaints, interventions,
closing), public complaints and photos, the evaluation desk, residents' survey, the PDF reports."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.domain.core import followup, permissions, uploads
from marketplace.domain.deliver import delivery, evaluations, reports
from marketplace.extensions import db, limiter
from marketplace.forms import BaseForm
from marketplace.forms.delivery import ClosingForm, CodesForm, ComplaintForm, PlanForm, ProgressForm
from marketplace.forms.needs import ReasonForm, review_form
from marketplace.models import (
    Complaint,
    Intervention,
    Milestone,
    Party,
    ProgressPhoto,
    Project,
    ProgressReport,
    SurveyCode,
    User,
)
from marketplace.views.helpers import form_status, get_or_404, ids_from, project_for
from marketplace.views.transaction import shows_refusals

bp = Blueprint("delivery", __name__)


def _done(message: str, code: str, anchor: str = "") -> Response:
    flash(message, "success")
    return redirect(url_for("delivery.desk", code=code, _anchor=anchor))


@bp.get("/projects/<code>/delivery")
@login_required
def desk(code: str, plan_form: PlanForm | None = None, status: int = 200):
    project = project_for(code)
    if not permissions.can(current_user, "delivery.view", project):
        abort(403)
    deal = delivery.contract(project)
    items = delivery.milestones(project)
    if plan_form is None:
        plan_form = PlanForm()
        for entry, m in zip(plan_form.milestones.entries, items):
            entry.output.data, entry.due_on.data, entry.tranche.data = m.output, m.due_on, str(m.tranche)
    complaints = db.session.scalars(select(Complaint).where(Complaint.project_id == project.id)
                                    .order_by(Complaint.id.desc())).all()
    interventions = db.session.scalars(select(Intervention).where(Intervention.project_id == project.id)
                                       .order_by(Intervention.id.desc())).all()
    return render_template("delivery/desk.html", project=project, deal=deal, milestones=items, plan_form=plan_form,
                           progress_form=ProgressForm(), reason_form=ReasonForm(), closing_form=ClosingForm(),
                           closing=delivery.closing_of(project), complaints=complaints,
                           interventions=interventions, confirm=BaseForm()), status


@bp.post("/projects/<code>/delivery/plan")
@login_required
@shows_refusals
def plan(code: str):
    project = project_for(code)
    form = PlanForm()
    if not form.validate_on_submit():
        return desk(code, form, 400)
    delivery.set_plan(current_user, project, form.lines())
    return _done(_("The plan is saved; the street approves it."), code)


@bp.post("/projects/<code>/delivery/approve")
@login_required
def approve(code: str):
    project = project_for(code)
    if not BaseForm().validate_on_submit():
        abort(400)
    delivery.approve_plan(current_user, project)
    return _done(_("The plan is approved."), code)


@bp.post("/projects/<code>/delivery/milestones/<int:milestone_id>/progress")
@login_required
def progress(code: str, milestone_id: int):
    project = project_for(code)
    milestone = get_or_404(select(Milestone).where(Milestone.id == milestone_id, Milestone.project_id == project.id))
    form = ProgressForm()
    if not form.validate_on_submit():
        flash(_("Please correct the progress report: %(e)s", e="; ".join(
            f"{getattr(form, k).label.text}: {v[0]}" for k, v in form.errors.items())), "error")
        return redirect(url_for("delivery.desk", code=code, _anchor=f"m{milestone.seq}"))
    delivery.report_progress(current_user, milestone, form.text.data, form.people_served.data, form.spent.data,
                             request.files.getlist("photos"), form.delivered.data)
    return _done(_("Progress reported."), code, f"m{milestone.seq}")


@bp.post("/projects/<code>/delivery/milestones/<int:milestone_id>/confirm")
@login_required
def confirm(code: str, milestone_id: int):
    project = project_for(code)
    milestone = get_or_404(select(Milestone).where(Milestone.id == milestone_id, Milestone.project_id == project.id))
    if not BaseForm().validate_on_submit():
        abort(400)
    delivery.confirm_milestone(current_user, milestone, request.form.get("confirm") == "1",
                               request.form.get("reason", ""))
    return _done(_("Recorded."), code, f"m{milestone.seq}")


@bp.post("/projects/<code>/delivery/complaints/<int:complaint_id>")
@login_required
def decide_complaint(code: str, complaint_id: int):
    project = project_for(code)
    complaint = get_or_404(select(Complaint).where(Complaint.id == complaint_id, Complaint.project_id == project.id))
    if not BaseForm().validate_on_submit():
        abort(400)
    delivery.decide_complaint(current_user, complaint, request.form.get("uphold") == "1",
                              request.form.get("reason", ""))
    return _done(_("The complaint is decided; the reason is public."), code)


@bp.post("/projects/<code>/delivery/interventions/<int:item_id>")
@login_required
def intervention(code: str, item_id: int):
    project = project_for(code)
    item = get_or_404(select(Intervention).where(Intervention.id == item_id, Intervention.project_id == project.id))
    if not BaseForm().validate_on_submit():
        abort(400)
    action = request.form.get("action")
    if action == "plan":
        delivery.file_rectification(current_user, item, request.form.get("plan", ""))
        message = _("The rectification plan is filed.")
    else:
        delivery.decide_rectification(current_user, item, action == "accept", request.form.get("reason", ""))
        message = _("Decision recorded.")
    return _done(message, code)


@bp.post("/projects/<code>/delivery/closing")
@login_required
def closing(code: str):
    project = project_for(code)
    form = ClosingForm()
    if not form.validate_on_submit():
        flash(_("Please fill in every field of the closing report."), "error")
        return redirect(url_for("delivery.desk", code=code, _anchor="closing"))
    delivery.submit_closing(current_user, project, {"outputs": form.outputs.data, "lessons": form.lessons.data,
                                                    "beneficiaries": form.beneficiaries.data,
                                                    "spending": form.spending.data})
    return _done(_("The closing report is submitted; the community signs it off."), code, "closing")


@bp.post("/projects/<code>/delivery/sign-off")
@login_required
def sign_off(code: str):
    project = project_for(code)
    if not BaseForm().validate_on_submit():
        abort(400)
    delivery.sign_off(current_user, project)
    flash(_("Signed off. The evaluation (考榜) is open."), "success")
    return redirect(url_for("delivery.evaluation", code=code))


# --- public: complaints, photos, report ----------------------------------------------------------

def _complaint_limit() -> str:
    return current_app.config["COMPLAINT_RATE_LIMIT"]


def _survey_limit() -> str:
    return current_app.config["SURVEY_RATE_LIMIT"]


@bp.route("/projects/<code>/complaint", methods=["GET", "POST"])
@limiter.limit(_complaint_limit, methods=["POST"])
@shows_refusals
def complaint(code: str):
    project = project_for(code)
    form = ComplaintForm()
    if form.validate_on_submit():
        filed = delivery.file_complaint(project, form.text.data, request.remote_addr or "", form.submission_key.data)
        flash(_("Thank you. The street will examine your complaint and publish its decision. Your tracking number "
                "is %(n)s: follow it on this page.", n=followup.display(filed.tracking_code or "")), "success")
        return redirect(url_for("public.track", code=filed.tracking_code))
    return render_template("delivery/complaint.html", project=project, form=form), form_status(form)


@bp.get("/projects/<code>/photos/<int:photo_id>")
def photo(code: str, photo_id: int):
    project = project_for(code)
    item = get_or_404(select(ProgressPhoto).join(ProgressReport).where(
        ProgressPhoto.id == photo_id, ProgressReport.project_id == project.id))
    name = item.thumb_name if request.args.get("thumb") else item.stored_name
    response = send_file(uploads.path_of("progress", name),
                         mimetype="image/jpeg" if request.args.get("thumb") else item.content_type, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/projects/<code>/report.pdf")
def report(code: str):
    project = project_for(code)
    if project.status.value not in ("delivery", "evaluation", "evaluated", "exited"):
        abort(404)
    data = reports.closing_report(project)
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename={project.code}-report.pdf"})


# --- 考榜 -------------------------------------------------------------------------------------------

def _labels() -> dict:
    return {k: v for k, v in evaluations.CRITERION_LABELS.items()}


@bp.route("/projects/<code>/evaluation", methods=["GET", "POST"])
@login_required
@shows_refusals
def evaluation(code: str):
    project = project_for(code)
    mine = evaluations.my_evaluator(project, current_user)
    street = permissions.can(current_user, "evaluation.manage", project)
    issuer = permissions.can(current_user, "evaluation.issue_codes", project)
    if not (mine or street or issuer or permissions.can(current_user, "delivery.view", project)):
        abort(403)
    form = review_form(evaluations.INSTRUMENTS[mine.party], _labels(),
                       request.form if request.method == "POST" else None) if mine else None
    status = 200
    if request.method == "POST" and form is not None:
        if form.validate_on_submit():
            evaluations.submit(current_user, project, {
                k: {"score": getattr(form, f"{k}_score").data, "reason": getattr(form, f"{k}_reason").data}
                for k in evaluations.INSTRUMENTS[mine.party]})
            flash(_("Your evaluation is submitted."), "success")
            return redirect(url_for("delivery.evaluation", code=code))
        status = 400
    candidates = {party.value: people for party, people in evaluations.candidates(project).items()}
    codes = db.session.scalars(select(SurveyCode).where(SurveyCode.project_id == project.id)).all() if (
        issuer or street) else []
    return render_template("delivery/evaluation.html", project=project, mine=mine, form=form, street=street,
                           issuer=issuer, evaluators=evaluations.evaluators(project), candidates=candidates,
                           parties=[Party.party, Party.department, Party.experts], labels=_labels(),
                           scores=evaluations.party_scores(project), residents=evaluations.residents_score(project),
                           result=evaluations.result_of(project), codes=codes, codes_form=CodesForm(),
                           confirm=BaseForm(), instruments=evaluations.INSTRUMENTS), status


@bp.post("/projects/<code>/evaluation/assign")
@login_required
def assign_evaluators(code: str):
    project = project_for(code)
    permissions.require(current_user, "evaluation.manage", project)
    if not BaseForm().validate_on_submit():
        abort(400)
    chosen = [(db.session.get(User, user_id), party) for party in (Party.party, Party.department, Party.experts)
              for user_id in ids_from(request.form.getlist(f"evaluators_{party.value}"))]
    evaluations.assign(current_user, project, [(u, p) for u, p in chosen if u is not None])
    flash(_("Evaluators assigned and notified."), "success")
    return redirect(url_for("delivery.evaluation", code=code))


@bp.post("/projects/<code>/evaluation/finalize")
@login_required
def finalize(code: str):
    project = project_for(code)
    permissions.require(current_user, "evaluation.manage", project)
    if not BaseForm().validate_on_submit():
        abort(400)
    result = evaluations.finalize(current_user, project)
    flash(_("Evaluation final: %(t)s, %(g)s.", t=result.total, g=result.grade.label), "success")
    return redirect(url_for("delivery.evaluation", code=code))


@bp.post("/projects/<code>/evaluation/codes")
@login_required
def issue_codes(code: str):
    project = project_for(code)
    permissions.require(current_user, "evaluation.issue_codes", project)
    form = CodesForm()
    if form.validate_on_submit():
        evaluations.issue_codes(current_user, project, form.count.data)
        flash(_("Codes issued. Print the sheet and hand one code to each household served."), "success")
    else:
        flash(_("Issue between 1 and 500 codes at a time."), "error")
    return redirect(url_for("delivery.evaluation", code=code, _anchor="codes"))


@bp.get("/projects/<code>/evaluation/codes.pdf")
@login_required
def codes_sheet(code: str):
    project = project_for(code)
    if not (permissions.can(current_user, "evaluation.issue_codes", project)
            or permissions.can(current_user, "evaluation.manage", project)):
        abort(403)
    unused = db.session.scalars(select(SurveyCode).where(SurveyCode.project_id == project.id,
                                                         SurveyCode.used_at.is_(None)).order_by(SurveyCode.id)).all()
    data = reports.survey_sheet(project, unused, current_app.config["PUBLIC_URL"])
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename={project.code}-survey-codes.pdf"})


@bp.route("/survey", methods=["GET", "POST"])
@limiter.limit(_survey_limit, methods=["POST"])
def survey_entry():
    raw = request.values.get("code", "")
    if raw:
        found = evaluations.find_code(raw)
        if found is not None:
            return redirect(url_for("delivery.survey", code=found.code))
        flash(_("This survey code is not valid."), "error")
    return render_template("delivery/survey_entry.html", raw=raw), 400 if raw else 200


@bp.route("/survey/<code>", methods=["GET", "POST"])
@limiter.limit(_survey_limit, methods=["POST"])
@shows_refusals
def survey(code: str):
    item = evaluations.find_code(code)
    if item is None:
        abort(404)
    project = db.session.get(Project, item.project_id)
    form = BaseForm()
    if form.validate_on_submit():
        evaluations.answer_survey(project, code, request.form.to_dict())
        return render_template("delivery/survey_thanks.html", project=project)
    error = form.form_errors[0] if form.form_errors else None
    if request.method == "POST" and error is None:
        abort(400)
    return render_template("delivery/survey.html", project=project, item=item, error=error, form=form,
                           questions=evaluations.SURVEY_QUESTIONS, choices=evaluations.SURVEY_CHOICES,
                           given=request.form), 400 if error else 200
