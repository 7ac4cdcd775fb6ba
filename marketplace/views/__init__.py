"""Thin blueprints: load (scoped → 404) · permission (403) · validate · domain call · commit once."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from marketplace.views import auth, dashboard, district, organizations, public

    for module in (public, auth, dashboard, organizations, district):
        app.register_blueprint(module.bp)
