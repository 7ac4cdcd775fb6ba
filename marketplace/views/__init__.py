"""Thin blueprints: load (scoped → 404) · permission (403) · validate · domain call · commit once."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    # imported when the app is built, not when the package is: blueprints pull in the whole domain
    from marketplace.views import (
        api,
        audit,
        auth,
        awards,
        bids,
        community,
        dashboard,
        delivery,
        lists,
        meetings,
        district,
        exports,
        figures,
        follow,
        integrity,
        needs,
        notifications,
        organizations,
        projects,
        public,
        reviews,
        services,
        street,
    )

    for module in (public, auth, dashboard, organizations, district, needs, community, street, reviews,
                   projects, notifications, bids, awards, delivery, lists, audit, figures, exports, integrity, services, meetings, api, follow):
        app.register_blueprint(module.bp)
