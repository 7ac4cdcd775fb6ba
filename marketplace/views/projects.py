"""项目清单: public project list and pages (with Q&A and timeline); the street's drafting,
publishing and withdrawal; bidders' questions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace import export_jobs
from marketplace.domain import overview, queries
from marketplace.domain.assess import needs
from marketplace.domain.core import permissions, records, rules, timeline
from marketplace.domain.deliver import delivery, evaluations
from marketplace.domain.integrity import flags
from marketplace.domain.tender import awards, bids, projects
from marketplace.exports_ocds import package, published_projects
from marketplace.domain.core.clock import LOCAL_TZ as LOCAL
from marketplace.domain.supply import ordering
from marketplace.extensions import db
from marketplace.forms import BaseForm
from marketplace.forms.bids import RepublishForm
from marketplace.forms.needs import AnswerForm, QuestionForm, ReasonForm
from marketplace.forms.projects import CRITERIA_FIELDS, ProjectForm
from marketplace.models import Category, Community, Need, Project, ProjectStatus, Question, Regime
from marketplace.views import figures
from marketplace.views.helpers import cursor_arg, form_status, get_or_404, list_context, page_arg, project_for
from marketplace.views.helpers import MAX_PAGE
from marketplace.views.transaction import shows_refusals
from marketplace.pagecache import public_page

bp = Blueprint("projects", __name__, url_prefix="/projects")


@bp.get("/")
@public_page
def index():
    filters = queries.project_filters(request.args)
    page = queries.paginate(queries.projects(current_user, filters), page_arg(), 20, queries.PROJECT_ROWS,
                            cursor=cursor_arg())
    records.prime_stages(page.items)
    return render_template("projects/list.html", page=page, filters=filters, statuses=list(ProjectStatus),
                           **list_context())


@bp.get("/export.<any(csv, xlsx):fmt>")
def export(fmt: str):
    return export_jobs.respond(current_user, "projects", fmt, request.args)


@bp.get("/ocds.json")
@public_page
def ocds_all():
    """The published projects as OCDS 1.1 release packages, 100 projects per page: ?page=2 …
    A page past the end is a 404; `links.next` (OCDS pagination extension) names the next page.
    A page is a range of project ids (see `published_projects`), read without OFFSET; a range of
    drafts only redirects to the next page that has projects."""
    page = request.args.get("page", 1, type=int)
    if page is None or not 1 <= page <= MAX_PAGE:
        abort(404)
    projects, following = published_projects(page)
    if not projects:  # past the end; or a range of drafts only, which links.next skips
        if following is None:
            abort(404)
        return redirect(url_for("projects.ocds_all", page=following))
    links = {}
    if following is not None:
        links["next"] = url_for("projects.ocds_all", page=following, _external=True)
    if page > 1:
        links["prev"] = url_for("projects.ocds_all", page=page - 1, _external=True)
    return package(projects, url_for("projects.ocds_all", page=page, _external=True), links)


@bp.get("/<code>/ocds.json")
@public_page
def ocds(code: str):
    """Every contracting process of one project (one release per ocid)."""
    project = _project(code)
    if project.status is ProjectStatus.draft:
        abort(404)
    return package([project], url_for("projects.ocds", code=code, _external=True))


def _project(code: str) -> Project:
    return get_or_404(queries.project_by_code(current_user, code))


def _criteria_labels() -> dict:
    labels = {r.key.rsplit(".", 1)[1]: r.label for r in rules.RULES if r.group == "award_weights"}
    labels["price"] = _("Price")
    return labels


@bp.get("/<code>")
@public_page
def detail(code: str):
    project = project_for(code)
    return render_template("projects/detail.html", **_detail_context(project))


def _detail_context(project: Project, **extra) -> dict:
    context = {
        "project": project, "events": timeline.public_timeline(project), "labels": _criteria_labels(),
        "question_form": QuestionForm(), "answer_form": AnswerForm(), "withdraw_form": ReasonForm(),
        "confirm": BaseForm(), "can_ask": permissions.can(current_user, "project.ask", project),
        "receipts": bids.public_receipts(project), "republish_form": RepublishForm(),
        "member": awards.panel_member(project, current_user), "has_award": bool(awards.awards_of(project)),
        "refusals": None, "own_bid": None, "award_charts": {},
        "steps": overview.project_steps(project), "summary": overview.project_summary(project),
        # only a draft or a commissioned project (no bidding window: its deadline is its publication)
        # can come from a 点单会 order; a tendered project's page asks nothing more
        "from_order": ordering.order_for_project(project.id) if project.published_at is None
        or project.bid_deadline <= project.published_at else None,
    }
    if records.stage(project) in (ProjectStatus.delivery, ProjectStatus.evaluation, ProjectStatus.evaluated,
                                  ProjectStatus.exited):
        result = evaluations.result_of(project)
        context.update(milestones=delivery.milestones(project), result=result,
                       deal=delivery.contract(project),
                       evaluator=evaluations.my_evaluator(project, current_user),
                       evaluation_chart=figures.evaluation_chart(result, overview.evaluation_parts(result)),
                       spending_chart=figures.spending_chart(overview.spending(project)))
    if context["has_award"]:  # the award's ranking is public from its notice on (the why-this-winner page)
        context["award_charts"] = figures.award_charts(overview.award_scores(project), context["labels"])
    if current_user.is_authenticated and current_user.role.value == "organization" and current_user.organization:
        context["refusals"] = bids.refusals(current_user.organization, project)
        context["own_bid"] = bids.own_bid(current_user.organization, project)
    if permissions.can(current_user, "integrity.desk"):  # the supervisor's integrity panel
        found = flags.open_for_project(project)
        context.update(integrity_flags=found, integrity_names=flags.names(found), integrity_summary=flags.summary)
    context.update(extra)
    return context


def _form_choices(form: ProjectForm, street_id: int, current: list[Need] | None = None) -> list[Need]:
    form.category_id.choices = [(c.id, c.name) for c in db.session.scalars(select(Category).order_by(Category.id))]
    form.community_ids.choices = [(c.id, c.name) for c in db.session.scalars(
        select(Community).where(Community.street_id == street_id).order_by(Community.id))]
    available = needs.approved_needs_of_street(street_id) + list(current or [])
    form.need_ids.choices = [(n.id, _("%(code)s %(title)s (%(community)s, mean score %(mean)s)", code=n.code,
                                      title=n.title, community=n.community.name, mean=n.mean_score))
                             for n in available]
    return available


@bp.route("/new", methods=["GET", "POST"])
@login_required
@shows_refusals
def new():
    permissions.require(current_user, "project.create")
    key = request.form.get("submission_key")
    earlier = db.session.scalar(select(Project).where(Project.submission_key == key)) if key else None
    if earlier is not None:  # the same form sent again (double click, reload): show what it made
        return redirect(url_for("projects.detail", code=earlier.code))
    form = ProjectForm()
    available = _form_choices(form, current_user.street_id)
    if not form.is_submitted():
        chosen = [n for n in available if n.code in request.args.getlist("need")]
        form.need_ids.data = [n.id for n in chosen]
        if chosen:
            form.title.data = chosen[0].title
            form.category_id.data = chosen[0].category_id
            form.community_ids.data = sorted({n.community_id for n in chosen})
            form.outputs.data = "\n".join(f"{n.beneficiaries} {n.beneficiaries_count}" for n in chosen)
        for key, weight in projects.default_criteria().items():
            getattr(form, key).data = weight
    if form.validate_on_submit() and not _prefilled_for_regime(form):
        selected = [n for n in available if n.id in set(form.need_ids.data or [])]
        project = projects.create(current_user, selected, form.project_data(), form.submission_key.data)
        flash(_("Draft %(code)s saved. Check it, then publish it.", code=project.code), "success")
        return redirect(url_for("projects.detail", code=project.code))
    return render_template("projects/form.html", form=form, project=None, rules=_window_rules(),
                           criteria_fields=CRITERIA_FIELDS), form_status(form)


def _prefilled_for_regime(form: ProjectForm) -> bool:
    """Without JavaScript, switching the regime sends the other regime's pre-filled weights: fill
    this regime's own and show the form again (True) rather than refuse the weights."""
    weights = projects.prefill_for_regime(form.project_data()["criteria"], form.regime.data)
    if weights is None:
        return False
    for key, weight in weights.items():
        getattr(form, key).data, getattr(form, key).raw_data = weight, [str(weight)]
    form.price.errors = [*form.price.errors, _("The weights were pre-filled for %(regime)s: check them and save again.",
                                               regime=form.regime.data.label)]
    return True


def _window_rules() -> dict:
    return {"min_days": rules.get_rule("project.bid_window_min_days"),
            "qa_days": rules.get_rule("project.qa_close_days"),
            "price_min": rules.get_rule("regime.gov.price_weight_min"),
            "price_max": rules.get_rule("regime.gov.price_weight_max"),
            "gov": Regime.government_purchase.value, "defaults": projects.regime_defaults()}


@bp.route("/<code>/edit", methods=["GET", "POST"])
@login_required
@shows_refusals
def edit(code: str):
    project = _project(code)
    permissions.require(current_user, "project.edit", project)
    form = ProjectForm()
    _form_choices(form, project.street_id, project.needs)
    del form.need_ids  # the needs of a draft are fixed; withdraw the draft to start again
    if not form.is_submitted():
        form.load(project)
    if form.validate_on_submit() and not _prefilled_for_regime(form):
        projects.update(current_user, project, form.project_data())
        flash(_("The draft is saved."), "success")
        return redirect(url_for("projects.detail", code=code))
    return render_template("projects/form.html", form=form, project=project, rules=_window_rules(),
                           criteria_fields=CRITERIA_FIELDS), form_status(form)


@bp.post("/<code>/publish")
@login_required
def publish(code: str):
    project = _project(code)
    permissions.require(current_user, "project.publish", project)
    if BaseForm().validate_on_submit():
        projects.publish(current_user, project)
        flash(_("Published (发榜): %(code)s is open for bids until %(d)s.", code=code,
                d=project.bid_deadline.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")), "success")
    return redirect(url_for("projects.detail", code=code))


@bp.post("/<code>/withdraw")
@login_required
def withdraw(code: str):
    project = _project(code)
    permissions.require(current_user, "project.withdraw", project)
    form = ReasonForm()
    if form.validate_on_submit():
        projects.withdraw(current_user, project, form.reason.data)
        flash(_("The project is withdrawn; the reason is public."), "info")
    else:
        flash(_("Give the reason; it is public."), "error")
    return redirect(url_for("projects.detail", code=code))


@bp.post("/<code>/questions")
@login_required
def ask(code: str):
    project = _project(code)
    form = QuestionForm()
    if form.validate_on_submit():
        projects.ask(current_user, project, form.text.data, form.submission_key.data)
        flash(_("Your question is sent; the answer will be published here."), "success")
        return redirect(url_for("projects.detail", code=code, _anchor="qa"))
    permissions.require(current_user, "project.ask", project)
    return render_template("projects/detail.html", **_detail_context(project, question_form=form)), 400


@bp.post("/<code>/questions/<int:question_id>/answer")
@login_required
def answer(code: str, question_id: int):
    project = _project(code)
    question = get_or_404(select(Question).where(Question.id == question_id, Question.project_id == project.id))
    permissions.require(current_user, "question.answer", question)
    form = AnswerForm()
    if form.validate_on_submit():
        projects.answer(current_user, question, form.answer.data)
        flash(_("The answer is published."), "success")
    else:
        flash(_("Write the answer."), "error")
    return redirect(url_for("projects.detail", code=code, _anchor="qa"))

