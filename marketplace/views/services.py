"""资源清单: the public catalogue of service items and each item's page; an organization's own items
(create, edit, submit, pause, resume, retire); the district's review desk."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from marketplace import export_jobs
from marketplace.domain import queries
from marketplace.domain.core import audit, permissions, uploads
from marketplace.domain.orgs import standing
from marketplace.domain.supply import catalogue, importer, match
from marketplace.extensions import db
from marketplace.forms import BaseForm
from marketplace.forms.supply import ImportForm, ReturnForm, ServiceItemForm
from marketplace.models import Category, Grade, ServiceItem, ServiceItemPhoto, ServiceStatus, Street
from marketplace.views.helpers import form_status, get_or_404, page_arg
from marketplace.views.transaction import shows_refusals
from marketplace.pagecache import public_page

bp = Blueprint("services", __name__)

PAGE_SIZE = 20


def _choices():
    return (db.session.scalars(select(Category).order_by(Category.id)).all(),
            db.session.scalars(select(Street).order_by(Street.id)).all())


# --- the public list ----------------------------------------------------------------------------------

@bp.get("/services/")
@public_page
def index():
    filters = queries.service_filters(request.args)
    page = db.paginate(page=page_arg(), select=queries.services(filters), per_page=PAGE_SIZE, error_out=False)
    credit = catalogue.credit_scores({i.organization_id for i in page.items})
    categories, streets = _choices()
    return render_template("services/list.html", page=page, filters=filters, credit=credit,
                           categories=categories, streets=streets, grades=list(Grade),
                           grade_of=standing.effective_grade)


@bp.get("/services/export.<any(csv, xlsx):fmt>")
def export(fmt: str):
    """Complete and formula-safe; a large Excel file is prepared as a tracked job (export_jobs)."""
    return export_jobs.respond(current_user, "services", fmt, request.args)


# --- an item's page ------------------------------------------------------------------------------------

def _item(code: str) -> ServiceItem:
    """The item by its code, if the user may see it (404 otherwise)."""
    return get_or_404(catalogue.visible_query(current_user).where(ServiceItem.code == code).options(
        joinedload(ServiceItem.organization), joinedload(ServiceItem.category), selectinload(ServiceItem.streets),
        selectinload(ServiceItem.photos)))


@bp.get("/services/<code>")
@public_page
def detail(code: str):
    item = _item(code)
    private = permissions.can(current_user, "service.view_private", item)
    context = {"item": item, "record": catalogue.track_record(item), "private": private,
               "history": audit.timeline(item) if private else [], "confirm": BaseForm(),
               "action_label": catalogue.action_label}
    if permissions.can(current_user, "service.review", item):
        context["return_form"] = ReturnForm()
    return render_template("services/detail.html", **context)


@bp.get("/services/<code>/photos/<int:photo_id>")
def photo(code: str, photo_id: int):
    item = _item(code)
    shot = get_or_404(select(ServiceItemPhoto).where(ServiceItemPhoto.id == photo_id,
                                                     ServiceItemPhoto.item_id == item.id))
    response = send_file(uploads.path_of(catalogue.UPLOAD_KIND, shot.stored_name), mimetype=shot.content_type,
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/services/<code>/brochure.pdf")
def brochure(code: str):
    item = _item(code)
    if not item.brochure_name:
        abort(404)
    response = send_file(uploads.path_of(catalogue.UPLOAD_KIND, item.brochure_name), mimetype="application/pdf",
                         as_attachment=True, download_name=f"{item.code}.pdf", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- the organization's own items ------------------------------------------------------------------------

@bp.get("/my/services")
@login_required
def mine():
    permissions.require(current_user, "organization.own")
    items = db.session.scalars(select(ServiceItem).where(ServiceItem.organization_id == current_user.organization_id)
                               .options(joinedload(ServiceItem.category), selectinload(ServiceItem.streets))
                               .order_by(ServiceItem.id.desc())).all()
    return render_template("services/mine.html", items=items, org=current_user.organization,
                           statuses=list(ServiceStatus), recommended=match.recommend(current_user.organization))


def _form(item: ServiceItem | None = None) -> ServiceItemForm:
    form = ServiceItemForm(obj=item) if item is not None else ServiceItemForm()
    categories, streets = _choices()
    form.set_choices(categories, streets, str(get_locale()))
    if item is not None and not form.is_submitted():
        form.street_ids.data = [s.id for s in item.streets]
    return form


@bp.route("/my/services/new", methods=["GET", "POST"])
@login_required
@shows_refusals
def new():
    permissions.require(current_user, "service.create")
    form = _form()
    if form.validate_on_submit():
        item = catalogue.create(current_user, form.item_data(), photos=request.files.getlist("photos"),
                                brochure=request.files.get("brochure"), submission_key=form.submission_key.data)
        flash(_("Service item %(code)s saved as a draft. Submit it when it is ready for the district's review.",
                code=item.code), "success")
        return redirect(url_for("services.detail", code=item.code))
    return render_template("services/form.html", form=form, item=None), form_status(form)


def _own(code: str) -> ServiceItem:
    item = _item(code)
    if not permissions.can(current_user, "service.view_private", item):
        abort(403)
    return item


@bp.route("/services/<code>/edit", methods=["GET", "POST"])
@login_required
@shows_refusals
def edit(code: str):
    item = _own(code)
    permissions.require(current_user, "service.edit", item)
    form = _form(item)
    if form.validate_on_submit():
        catalogue.update(current_user, item, form.item_data(), photos=request.files.getlist("photos"),
                         brochure=request.files.get("brochure"))
        flash(_("The service item has been saved."), "success")
        return redirect(url_for("services.detail", code=item.code))
    return render_template("services/form.html", form=form, item=item), form_status(form)


ACTIONS = {
    "submit": (catalogue.submit, "service.submit", lambda: _("Submitted: the district reviews it before listing.")),
    "pause": (catalogue.pause, "service.pause", lambda: _("Paused: it takes no orders until resumed.")),
    "resume": (catalogue.resume, "service.resume", lambda: _("Listed again.")),
    "retire": (catalogue.retire, "service.retire", lambda: _("Retired: it is no longer offered; its page stays.")),
}


@bp.post("/services/<code>/<any(submit, pause, resume, retire):action>")
@login_required
def act(code: str, action: str):
    item = _item(code)
    operation, permission, message = ACTIONS[action]
    permissions.require(current_user, permission, item)
    if BaseForm().validate_on_submit():
        if action in ("pause", "retire"):
            operation(current_user, item, request.form.get("reason", ""))
        else:
            operation(current_user, item)
        flash(message(), "success")
    return redirect(url_for("services.detail", code=code))


# --- the district's review desk -------------------------------------------------------------------------

@bp.get("/district/services")
@login_required
def review_desk():
    permissions.require(current_user, "catalogue.review_desk")
    counts = dict(db.session.execute(select(ServiceItem.status, db.func.count()).group_by(ServiceItem.status)).all())
    return render_template("services/review.html", items=catalogue.review_queue(), counts=counts,
                           statuses=list(ServiceStatus), confirm=BaseForm(), return_form=ReturnForm())


@bp.post("/district/services/<code>/approve")
@login_required
def approve(code: str):
    item = _item(code)
    permissions.require(current_user, "service.review", item)
    if BaseForm().validate_on_submit():
        catalogue.approve(current_user, item)
        flash(_("%(name)s is listed in the 资源清单.", name=item.name), "success")
    return redirect(url_for("services.review_desk"))


@bp.post("/district/services/<code>/return")
@login_required
@shows_refusals
def send_back(code: str):
    item = _item(code)
    permissions.require(current_user, "service.review", item)
    form = ReturnForm()
    if form.validate_on_submit():
        catalogue.send_back(current_user, item, form.reason.data)
        flash(_("%(name)s is returned to its organization with your reason.", name=item.name), "info")
        return redirect(url_for("services.review_desk"))
    return render_template("services/detail.html", item=item, record=catalogue.track_record(item), private=True,
                           history=audit.timeline(item), confirm=BaseForm(), return_form=form,
                           action_label=catalogue.action_label), 400


@bp.route("/district/services/import", methods=["GET", "POST"])
@login_required
def import_page():
    """Upload the district's existing list: every row listed, or nothing and every error by row."""
    permissions.require(current_user, "catalogue.import")
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            form.file.errors = [_("Choose a CSV or Excel file.")]
        else:
            result = importer.import_file(current_user, upload.read(), upload.filename)
            if not result.errors:
                flash(_("%(n)s service items imported and listed.", n=len(result.created)), "success")
                return redirect(url_for("services.review_desk"))
            errors = result.errors
            form.form_errors.append(result.message)
    status = 400 if request.method == "POST" else 200
    return render_template("services/import.html", form=form, errors=errors, headers=importer.HEADERS), status
