"""District administrator's working pages (the admin console handles reference data)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from marketplace.domain import stats
from marketplace.domain.core import permissions
from marketplace.domain.orgs import organizations
from marketplace.domain.orgs import standing
from marketplace.extensions import db
from marketplace.forms import BaseForm
from marketplace.forms.organizations import RejectForm
from marketplace.models import Organization, VerificationStatus
from marketplace.views import figures
from marketplace.views.helpers import get_or_404, page_arg
from marketplace.views.transaction import shows_refusals

bp = Blueprint("district", __name__, url_prefix="/district")


@bp.get("/", endpoint="desk")
@login_required
def desk():
    """区级工作台: the district's figures, the streets side by side and what is overdue."""
    permissions.require(current_user, "district.desk")
    f = stats.figures()
    late = stats.overdue_decisions()
    overdue = stats.overdue_milestones()
    return render_template("district/desk.html", f=f, charts=figures.figure_charts(f), late=late, overdue=overdue,
                           late_chart=figures.late_chart(overdue[0], late),
                           street_charts=figures.street_charts(stats.per_street(late), desk=True))


@bp.get("/organizations", endpoint="organizations")
@login_required
def organizations_queue():
    permissions.require(current_user, "organizations.review_queue")
    status = request.args.get("status", "pending")
    if status not in VerificationStatus._value2member_map_:
        status = "pending"
    query = select(Organization).where(Organization.status == VerificationStatus(status))
    page = db.paginate(page=page_arg(), select=query.order_by(Organization.created_at, Organization.id), per_page=30,
                       error_out=False)
    counts = dict(db.session.execute(
        select(Organization.status, func.count()).group_by(Organization.status)).all())
    return render_template("district/organizations.html", page=page, status=status,
                           counts=counts, statuses=list(VerificationStatus))



def _review_page(org: Organization, reject_form: RejectForm, code: int = 200):
    return render_template("district/organization.html", org=org, reject_form=reject_form,
                           verify_form=BaseForm(), standing=standing.standing(org)), code


@bp.get("/organizations/<int:org_id>")
@login_required
def organization(org_id: int):
    permissions.require(current_user, "organizations.review_queue")
    org = get_or_404(select(Organization).where(Organization.id == org_id))
    return _review_page(org, RejectForm())


@bp.post("/organizations/<int:org_id>/verify")
@login_required
def verify(org_id: int):
    org = get_or_404(select(Organization).where(Organization.id == org_id))
    permissions.require(current_user, "organization.verify", org)
    if BaseForm().validate_on_submit():
        organizations.verify(current_user, org)
        flash(_("%(name)s is verified and may now take part.", name=org.name), "success")
    return redirect(url_for("district.organizations"))


@bp.post("/organizations/<int:org_id>/reject")
@login_required
@shows_refusals
def reject(org_id: int):
    org = get_or_404(select(Organization).where(Organization.id == org_id))
    permissions.require(current_user, "organization.reject", org)
    form = RejectForm()
    if form.validate_on_submit():
        organizations.reject(current_user, org, form.reason.data)
        flash(_("%(name)s has been rejected; the organization sees your reason.", name=org.name),
              "info")
        return redirect(url_for("district.organizations"))
    return _review_page(org, form, 400)
