"""Sign in/out, two-factor sign-in, password change, session lifetimes.

Sessions carry a per-user version, so logout, a password change, enrolling two-factor or the
administrator ending them voids every copy. Every session also ends after SESSION_IDLE_MINUTES
without a request and SESSION_MAX_HOURS after sign-in, whatever happens ("keep me signed in" only
lets it outlive the browser within those limits). A role that must use two-factor can do nothing but
enrol until it has."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.domain.core import accounts, permissions, twofactor
from marketplace.extensions import db, limiter, login_manager
from marketplace.forms.auth import CodeForm, EnableTwoFactorForm, LoginForm, PasswordChangeForm
from marketplace.forms import CONTROL_CHARACTERS, BaseForm
from marketplace.models import User
from marketplace.views.helpers import SAFE_METHODS, form_status, safe_next
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


PENDING = "pending_two_factor"
PENDING_SECONDS = 300  # the password was right: this long to give the second factor
CANDIDATE = "two_factor_candidate"
# what a person whose role requires two-factor may open before enrolling
ENROLMENT_ENDPOINTS = {"auth.two_factor_setup", "auth.logout", "public.set_language", "static"}


def _now() -> int:
    return int(time.time())  # wall-clock time (the domain's clock may be frozen in tests and demos)


def start_session(user: User, remember: bool) -> None:
    login_user(user)  # no remember-me cookie: the lifetimes below bound every session
    session.permanent = bool(remember)  # outlives the browser, never PERMANENT_SESSION_LIFETIME
    session["auth_at"] = session["seen_at"] = _now()


@bp.before_app_request
def session_limits():
    """End a session idle or old beyond the configured limits; keep a role that requires two-factor
    on the enrolment page until it has enrolled."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now, config = _now(), current_app.config
    started, seen = session.get("auth_at"), session.get("seen_at")
    idle, longest = config["SESSION_IDLE_MINUTES"] * 60, config["SESSION_MAX_HOURS"] * 3600
    if not isinstance(started, int) or not isinstance(seen, int) or now - started > longest or (
            idle and now - seen > idle):
        logout_user()
        for key in ("auth_at", "seen_at", CANDIDATE):
            session.pop(key, None)
        flash(_("Your session has ended (inactive for %(m)s minutes, or signed in more than %(h)s hours ago). "
                "Please sign in again.", m=config["SESSION_IDLE_MINUTES"], h=config["SESSION_MAX_HOURS"]), "info")
        back = request.full_path if request.method in SAFE_METHODS else None
        return redirect(url_for("auth.login", next=back))
    session["seen_at"] = now
    if twofactor.required(current_user) and not twofactor.enrolled(current_user) \
            and request.endpoint not in ENROLMENT_ENDPOINTS:
        flash(_("Your role signs in with two-factor: set it up now to continue."), "warning")
        return redirect(url_for("auth.two_factor_setup"))
    return None


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
        target = safe_next(url_for("dashboard.index"))
        if twofactor.enrolled(user):
            session[PENDING] = {"user": user.id, "version": user.session_version, "at": _now(),
                                "remember": bool(form.remember.data), "next": target, "name": user.username}
            return redirect(url_for("auth.two_factor"))
        start_session(user, form.remember.data)
        if twofactor.required(user):  # (not enrolled): the setup page says why it comes first
            return redirect(url_for("auth.two_factor_setup"))
        flash(_("Welcome, %(name)s.", name=user.display_name), "success")
        return redirect(target)
    return render_template("auth/login.html", form=form), form_status(form)


def _pending_username() -> str:
    pending = session.get(PENDING) or {}
    return f"sign-in:{str(pending.get('name', '')).lower()}"


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)  # per client address
@limiter.limit(_login_username_limit, key_func=_pending_username, methods=["POST"], deduct_when=_failed)
@shows_refusals
def two_factor():
    """The second step of signing in: a code from the app, or a recovery code."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or _now() - int(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING, None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        user = twofactor.find_pending(pending.get("user"), pending.get("version"))
        used = twofactor.check(user, form.code.data)
        session.pop(PENDING, None)
        start_session(user, pending.get("remember", False))
        flash(_("Welcome, %(name)s.", name=user.display_name), "success")
        if used == "recovery":
            flash(_("You signed in with a recovery code; %(n)s remain. Make new ones on the two-factor page if "
                    "you are running out.", n=twofactor.remaining_codes(user)), "warning")
        return redirect(pending.get("next") or url_for("dashboard.index"))
    return render_template("auth/two_factor.html", form=form), form_status(form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
@shows_refusals
def two_factor_setup():
    """Enrol (QR code, then a code from the app; recovery codes shown once), or, once enrolled,
    make new recovery codes or switch it off (where the role allows)."""
    user = current_user._get_current_object()
    permissions.require(user, "account.two_factor", user)
    action = request.form.get("action") if request.method == "POST" else None
    if twofactor.enrolled(user):
        codes_form = CodeForm(prefix="codes")
        off_form = CodeForm(prefix="off")
        if action == "codes" and codes_form.validate_on_submit():
            return _show_codes(twofactor.regenerate_codes(user, codes_form.code.data))
        if action == "off" and off_form.validate_on_submit():
            twofactor.disable(user, off_form.code.data)
            flash(_("Two-factor sign-in is off."), "info")
            return redirect(url_for("dashboard.index"))
        failed = codes_form if action == "codes" else off_form if action == "off" else None
        return render_template("auth/two_factor_on.html", codes_form=codes_form, off_form=off_form,
                               remaining=twofactor.remaining_codes(user), required=twofactor.required(user),
                               ), form_status(failed) if failed else 200
    secret = session.get(CANDIDATE)
    if not isinstance(secret, str) or len(secret) != 32:
        secret = session[CANDIDATE] = twofactor.new_secret()  # in the signed session cookie, not the database
    form = EnableTwoFactorForm()
    if action == "enable" and form.validate_on_submit():
        codes = twofactor.enable(user, secret, form.code.data)
        session.pop(CANDIDATE, None)
        login_user(user)  # this session continues under the new version; the others have ended
        return _show_codes(codes)
    uri = twofactor.provisioning_uri(user, secret)
    return render_template("auth/two_factor_setup.html", form=form, secret=secret, uri=uri,
                           qr=twofactor.qr_data_uri(uri), required=twofactor.required(user)), \
        form_status(form) if action else 200


def _show_codes(codes: list[str]):
    """The recovery codes, once: in this answer only (never stored, never cached)."""
    response = current_app.make_response(render_template("auth/recovery_codes.html", codes=codes))
    response.headers["Cache-Control"] = "no-store"
    return response


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
