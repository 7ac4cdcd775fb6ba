"""What each user has to do now, for the dashboard. Each stage module registers a provider;
a provider returns the tasks it knows about for a user (bounded queries, counts not rows)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Organization, Role, User, VerificationStatus


@dataclass
class Task:
    label: Any
    endpoint: str
    count: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    tone: str = "info"  # info | warning | danger | success


Provider = Callable[[User], list[Task]]
_PROVIDERS: list[Provider] = []


def provider(fn: Provider) -> Provider:
    _PROVIDERS.append(fn)
    return fn


def tasks_for(user: User) -> list[Task]:
    return [task for fn in _PROVIDERS for task in fn(user)]


@provider
def _verification_queue(user: User) -> list[Task]:
    if user.role is not Role.admin:
        return []
    pending = db.session.scalar(
        select(func.count(Organization.id)).where(Organization.status == VerificationStatus.pending))
    if not pending:
        return []
    return [Task(_l("Organizations waiting for verification"), "district.organizations", pending,
                 tone="warning")]


@provider
def _own_verification(user: User) -> list[Task]:
    if user.role is not Role.organization or user.organization is None:
        return []
    status = user.organization.status
    if status is VerificationStatus.rejected:
        return [Task(_l("Your registration was rejected: correct the profile and resubmit"),
                     "organizations.mine", tone="danger")]
    if status is VerificationStatus.pending:
        return [Task(_l("Your registration waits for the district's verification"),
                     "organizations.mine", tone="warning")]
    return []
