"""THE policy: who may do what, on which object, in which state (role × scope × state).

Views, the admin console and the domain all ask `can`/`require` here; nothing else decides.
Lookups outside a user's scope go through `scoped_query`, so another scope's object is a 404,
while an object one may see but not act on is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, select
from werkzeug.exceptions import Forbidden

from marketplace.models import Organization, Role, User, VerificationStatus

Rule = Callable[[User, Any], bool]
_RULES: dict[str, Rule] = {}


def rule(*actions: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        for action in actions:
            if action in _RULES:
                raise RuntimeError(f"permission {action!r} defined twice")
            _RULES[action] = fn
        return fn

    return register


def can(user: Any, action: str, obj: Any = None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    check = _RULES.get(action)
    if check is None:
        raise KeyError(f"unknown permission {action!r}")
    return bool(check(user, obj))


def require(user: Any, action: str, obj: Any = None) -> None:
    if not can(user, action, obj):
        raise Forbidden()


def actions() -> list[str]:
    return sorted(_RULES)


def has_role(user: Any, *roles: Role) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in roles


# --- district administration -------------------------------------------------------------

@rule("admin.access", "rules.edit", "users.manage", "organizations.review_queue")
def _is_admin(user: User, _obj: Any) -> bool:
    return user.role is Role.admin


# --- organizations -----------------------------------------------------------------------

@rule("organization.verify", "organization.reject")
def _review_organization(user: User, org: Organization) -> bool:
    return user.role is Role.admin and org.status is VerificationStatus.pending


@rule("organization.view_private")
def _view_private(user: User, org: Organization) -> bool:
    return user.role is Role.admin or (
        user.role is Role.organization and user.organization_id == org.id
    )


@rule("organization.edit")
def _edit_organization(user: User, org: Organization) -> bool:
    """Its own users keep the profile current; a rejected application is corrected and resubmitted."""
    return user.role is Role.organization and user.organization_id == org.id


@rule("organization.resubmit")
def _resubmit(user: User, org: Organization) -> bool:
    return _edit_organization(user, org) and org.status is VerificationStatus.rejected


@rule("account.change_password")
def _own_account(user: User, target: User | None) -> bool:
    return target is None or target.id == user.id


# --- scoped lookups ----------------------------------------------------------------------

def organizations_query(user: Any) -> Select[tuple[Organization]]:
    """Organizations a user may look at: the public sees verified ones; an organization's own users
    also see their own (whatever its status); the district administrator sees all."""
    query = select(Organization)
    if has_role(user, Role.admin):
        return query
    visible = Organization.status == VerificationStatus.verified
    if has_role(user, Role.organization):
        visible = visible | (Organization.id == user.organization_id)
    return query.where(visible)
