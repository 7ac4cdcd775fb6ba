"""An organization's own pages: sign-up, its profile, resubmission after a rejection."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.domain.core import permissions
from marketplace.domain.orgs import organizations
from marketplace.domain.orgs import standing
from marketplace.extensions import db, limiter
from marketplace.forms import BaseForm
from marketplace.forms.organizations import OrganizationProfileForm, RegistrationForm
from marketplace.models import Category, Organization, Street
from marketplace.views.auth import start_session
from marketplace.views.helpers import form_status
from marketplace.views.transaction import shows_refusals

bp = Blueprint("organizations", __name__)


def _with_choices(form: OrganizationProfileForm) -> OrganizationProfileForm:
    from flask_babel import get_locale

    form.set_choices(db.session.scalars(select(Category).order_by(Category.id)).all(),
                     db.session.scalars(select(Street).order_by(Street.id)).all(),
                     str(get_locale()))
    return form


def _register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
@shows_refusals
def register():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = _with_choices(RegistrationForm())
    if form.validate_on_submit():
        user = organizations.register(form.profile_data(), username=form.username.data,
                                      password=form.password.data,
                                      display_name=form.display_name.data)
        start_session(user, remember=False)  # the one way a session starts (its lifetimes)
        flash(_("Thank you. Your organization is registered and waits for the district's "
                "verification; you will see the result here."), "success")
        return redirect(url_for("organizations.mine"))
    return render_template("organizations/register.html", form=form), form_status(form)


def _own_organization() -> Organization:
    permissions.require(current_user, "organization.own")
    return current_user.organization


@bp.get("/my/organization")
@login_required
def mine():
    org = _own_organization()
    return render_template("organizations/mine.html", org=org,
                           standing=standing.standing(org),
                           confirm=BaseForm())


@bp.route("/my/organization/edit", methods=["GET", "POST"])
@login_required
@shows_refusals
def edit():
    org = _own_organization()
    permissions.require(current_user, "organization.edit", org)
    form = _with_choices(OrganizationProfileForm(obj=org))
    if not form.is_submitted():
        form.category_ids.data = [c.id for c in org.categories]
        form.street_ids.data = [s.id for s in org.streets]
    if form.validate_on_submit():
        organizations.update_profile(current_user, org, form.profile_data())
        flash(_("The profile has been saved."), "success")
        return redirect(url_for("organizations.mine"))
    return render_template("organizations/edit.html", form=form, org=org), form_status(form)


@bp.post("/my/organization/resubmit")
@login_required
def resubmit():
    org = _own_organization()
    permissions.require(current_user, "organization.resubmit", org)
    if BaseForm().validate_on_submit():
        organizations.resubmit(current_user, org)
        flash(_("Your application has been sent to the district again."), "success")
    return redirect(url_for("organizations.mine"))
