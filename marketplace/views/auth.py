"""Sign in/out, password change. Sessions carry a per-user version so logout ends all of them."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.domain.core import accounts
from marketplace.extensions import db, limiter, login_manager
from marketplace.forms.auth import LoginForm, PasswordChangeForm
from marketplace.forms import CONTROL_CHARACTERS, BaseForm
from marketplace.models import User
from marketplace.views.helpers import form_status, safe_next
from marketplace.views.transaction import shows_refusals

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to open this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The session stores "id:version"; an old version (after logout or a password change) is void."""
    user_id, _sep, version = token.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_username_limit() -> str:
    return current_app.config["LOGIN_USERNAME_RATE_LIMIT"]


def _attacked_username() -> str:
    """The rate-limit key of the account being signed into, from whatever address the attempts come."""
    name = CONTROL_CHARACTERS.sub("", (request.form.get("username") or "").strip().lower())[:64]
    return f"sign-in:{name}"


def _failed(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code >= 400


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)  # per client address
@limiter.limit(_login_username_limit, key_func=_attacked_username, methods=["POST"], deduct_when=_failed)
@shows_refusals
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data, form.password.data)
        login_user(user, remember=form.remember.data)
        flash(_("Welcome, %(name)s.", name=user.display_name), "success")
        return redirect(safe_next(url_for("dashboard.index")))
    return render_template("auth/login.html", form=form), form_status(form)


@bp.post("/logout")
@login_required
def logout():
    form = BaseForm()
    if form.validate_on_submit():
        accounts.end_sessions(current_user)
        logout_user()
        flash(_("You have signed out. Your other sessions have ended too."), "info")
    return redirect(url_for("public.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@shows_refusals
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        login_user(current_user._get_current_object())  # this session continues, others end
        flash(_("Your password has been changed; other sessions have been signed out."), "success")
        return redirect(url_for("dashboard.index"))
    return render_template("auth/password.html", form=form), form_status(form)
