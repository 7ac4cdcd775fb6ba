"""Role-aware navigation: each entry is shown only to users the permission module lets in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from marketplace.domain.core import permissions
from marketplace.models import Role


@dataclass(frozen=True)
class NavItem:
    label: Any
    endpoint: str
    roles: tuple[Role, ...] | None = None  # None: everyone, signed in or not
    signed_in: bool = False


ITEMS = [
    NavItem(_l("Home"), "public.home"),
    NavItem(_l("Needs"), "needs.index"),
    NavItem(_l("Services list"), "services.index"),
    NavItem(_l("Ordering meetings"), "meetings.index"),
    NavItem(_l("Projects"), "projects.index"),
    NavItem(_l("Organizations"), "public.organizations"),
    NavItem(_l("Red/black list"), "lists.public"),
    NavItem(_l("Figures"), "figures.index"),
    NavItem(_l("Micro-wish"), "needs.wish", roles=None),
    NavItem(_l("My tasks"), "dashboard.index", signed_in=True),
    NavItem(_l("Community desk"), "community_desk.index", roles=(Role.secretary,)),
    NavItem(_l("Street desk"), "street_desk.index", roles=(Role.street,)),
    NavItem(_l("My reviews"), "reviews.index", roles=(Role.expert,)),
    NavItem(_l("My organization"), "organizations.mine", roles=(Role.organization,)),
    NavItem(_l("My services"), "services.mine", roles=(Role.organization,)),
    NavItem(_l("Orders"), "meetings.mine", roles=(Role.organization, Role.secretary)),
    NavItem(_l("Invitations"), "bids.invitations", roles=(Role.organization,)),
    NavItem(_l("My credit"), "lists.mine", roles=(Role.organization,)),
    NavItem(_l("District desk"), "district.desk", roles=(Role.admin, Role.supervisor)),
    NavItem(_l("Verify organizations"), "district.organizations", roles=(Role.admin,)),
    NavItem(_l("Lists desk"), "lists.desk", roles=(Role.admin,)),
    NavItem(_l("Catalogue desk"), "services.review_desk", roles=(Role.admin,)),
    NavItem(_l("Admin console"), "admin.index", roles=(Role.admin,)),
    NavItem(_l("Integrity desk"), "integrity.desk", roles=(Role.supervisor,)),
    NavItem(_l("Rules"), "public.rules"),
]


def items_for(user: Any) -> list[NavItem]:
    signed_in = bool(getattr(user, "is_authenticated", False))
    shown = []
    for item in ITEMS:
        if item.signed_in and not signed_in:
            continue
        if item.roles is not None and not permissions.has_role(user, *item.roles):
            continue
        shown.append(item)
    return shown
