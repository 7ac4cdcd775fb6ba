"""揭榜挂帅 — the district's open, scored marketplace for public-service projects."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, session
from flask_babel import get_locale

from marketplace import config as config_module
from marketplace.domain.core import jobs, workdays
from marketplace.extensions import (
    babel,
    configure_engines,
    csrf,
    db,
    limiter,
    login_manager,
    mail,
    migrate,
)


def select_locale() -> str:
    chosen = session.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _check_two_factor_roles(raw: str) -> None:
    """A misspelt role in TWO_FACTOR_ROLES would leave that role on the password alone: refuse to start."""
    from marketplace.models.enums import Role

    unknown = sorted({r.strip().lower() for r in raw.split(",") if r.strip()} - {r.value for r in Role})
    if unknown:
        raise RuntimeError(f"TWO_FACTOR_ROLES names no such role: {', '.join(unknown)} "
                           f"(roles: {', '.join(r.value for r in Role)}).")


def create_app(config: str | config_module.Config | None = None, **overrides: Any) -> Flask:
    """Build the app. `config` is an environment name ("development", "production", "testing")
    or a Config object; keyword overrides win (tests use them)."""
    app = Flask(
        __name__,
        template_folder=str(config_module.ROOT / "templates"),
        instance_path=str(config_module.INSTANCE),
        instance_relative_config=True,
    )
    if config is None or isinstance(config, str):
        config = config_module.load(config)
    app.config.from_object(config)
    app.config.update(overrides)
    _check_two_factor_roles(app.config.get("TWO_FACTOR_ROLES") or "")

    db.init_app(app)
    with app.app_context():
        configure_engines()
    workdays.install()
    jobs.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    mail.init_app(app)

    # The rest is imported here, not at the top of this module: it all imports the package itself.
    from marketplace import models  # noqa: F401  (register every table)
    from marketplace.admin import init_admin
    from marketplace.cli import register_cli
    from marketplace.views import auth as _auth  # noqa: F401  (user loader)
    from marketplace.views import register_blueprints, transaction
    from marketplace.views.errors import register_error_handlers

    from marketplace.domain.core import follow

    follow.init()  # followers told when a need or project changes stage
    register_blueprints(app)
    init_admin(app)
    register_cli(app)
    register_error_handlers(app)
    transaction.init_app(app)

    from marketplace import pagecache
    from marketplace.views import security

    pagecache.init_app(app)  # before the proxy middleware wraps it: the key sees the client's scheme and host
    security.init_app(app)
    _jinja_globals(app)
    return app


def _jinja_globals(app: Flask) -> None:
    # (imported here for the reason given in create_app)
    from flask_login import current_user

    from marketplace.domain.core import notify, permissions, records
    from marketplace.domain.core.clock import LOCAL_TZ
    from marketplace.models import (
        AwardStatus,
        BidStatus,
        ListKind,
        ListStatus,
        NeedStatus,
        Party,
        PartnerStatus,
        ProjectStatus,
        ServiceStatus,
        VerificationStatus,
    )
    from marketplace.views import nav

    # What templates may test for display (never to decide an action: that is `can`).
    app.jinja_env.globals.update(
        stage=records.stage, ProjectStatus=ProjectStatus, AwardStatus=AwardStatus, BidStatus=BidStatus, ListKind=ListKind,
        ListStatus=ListStatus, NeedStatus=NeedStatus, PartnerStatus=PartnerStatus, VerificationStatus=VerificationStatus,
        ServiceStatus=ServiceStatus)

    @app.template_filter("localtime")
    def localtime(value: Any) -> str:
        return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if value else ""

    @app.template_filter("machinetime")
    def machinetime(value: Any) -> str:
        """A `datetime` attribute the HTML checker accepts: the district's time to the second, with its offset."""
        return value.astimezone(LOCAL_TZ).replace(microsecond=0).isoformat() if value else ""

    @app.template_filter("localdate")
    def localdate(value: Any) -> str:
        return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d") if value else ""

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {
            "can": lambda action, obj=None: permissions.can(current_user, action, obj),
            "mean_visible": lambda need: permissions.mean_visible(current_user, need),
            "party_labels": {p.value: p.label for p in Party},
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
            "nav_items": nav.items_for(current_user),
            "unread": notify.unread_count(current_user) if current_user.is_authenticated else 0,
        }
