"""Organizations: self-registration, verification by the district, profile, rating grade and the
national lists. Standing (grade, lists) is read through functions here, never from raw columns."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.domain.core import accounts, audit, clock, permissions, uscc
from marketplace.domain.orgs import standing
from marketplace.domain.core.errors import ValidationError, free_text
from marketplace.extensions import db
from marketplace.models import (
    ORG_TYPE_USCC_CHAR,
    Category,
    Grade,
    Organization,
    OrgType,
    Role,
    Street,
    User,
    VerificationStatus,
)

PROFILE_FIELDS = ("name", "org_type", "registered_on", "legal_representative", "contact_name",
                  "contact_phone", "contact_email", "address", "description", "alliance")


def validate_code(code: str, org_type: OrgType, exclude_id: int | None = None) -> str:
    code = uscc.normalize(code)
    found = uscc.problems(code, ORG_TYPE_USCC_CHAR.get(org_type))
    if found:
        raise ValidationError(found[0], field="uscc")
    taken = db.session.scalar(select(Organization.id).where(Organization.uscc == code))
    if taken is not None and taken != exclude_id:
        raise ValidationError(_l("An organization with this code is already registered."),
                              field="uscc")
    return code


def _apply_profile(org: Organization, data: dict[str, Any]) -> None:
    for name in PROFILE_FIELDS:
        if name in data:
            setattr(org, name, data[name])
    if "category_ids" in data:
        org.categories = list(db.session.scalars(
            select(Category).where(Category.id.in_(data["category_ids"]))))
    if "street_ids" in data:
        org.streets = list(db.session.scalars(select(Street).where(Street.id.in_(data["street_ids"]))))


def register(data: dict[str, Any], *, username: str, password: str, display_name: str) -> User:
    """A social organization signs itself up; it waits for the district's verification."""
    code = validate_code(data["uscc"], data["org_type"])
    org = Organization(uscc=code, status=VerificationStatus.pending)
    _apply_profile(org, data)
    db.session.add(org)
    db.session.flush()
    user = accounts.create_user(None, username=username, password=password,
                                display_name=display_name, role=Role.organization,
                                organization_id=org.id, email=data.get("contact_email"),
                                phone=data.get("contact_phone"), context=(data.get("name") or "",))
    audit.append(user, "organization.registered", org, {"name": org.name, "uscc": org.uscc})
    return user


def update_profile(actor: User, org: Organization, data: dict[str, Any]) -> None:
    permissions.require(actor, "organization.edit", org)
    if "uscc" in data:
        org.uscc = validate_code(data["uscc"], data.get("org_type", org.org_type), exclude_id=org.id)
    before = {name: str(getattr(org, name)) for name in PROFILE_FIELDS}
    _apply_profile(org, data)
    after = {name: str(getattr(org, name)) for name in PROFILE_FIELDS}
    changed = {k: [before[k], after[k]] for k in PROFILE_FIELDS if before[k] != after[k]}
    audit.append(actor, "organization.profile_updated", org, {"changed": changed})


def verify(actor: User, org: Organization) -> None:
    permissions.require(actor, "organization.verify", org)
    org.status = VerificationStatus.verified
    org.status_reason = None
    org.verified_at = clock.now()
    audit.append(actor, "organization.verified", org, {"name": org.name})


def reject(actor: User, org: Organization, reason: str) -> None:
    permissions.require(actor, "organization.reject", org)
    reason = free_text(reason)
    if not reason:
        raise ValidationError(_l("Give the reason for the rejection; the organization will see it."),
                              field="reason")
    org.status = VerificationStatus.rejected
    org.status_reason = reason
    audit.append(actor, "organization.rejected", org, {"reason": reason})


def resubmit(actor: User, org: Organization) -> None:
    permissions.require(actor, "organization.resubmit", org)
    org.status = VerificationStatus.pending
    audit.append(actor, "organization.resubmitted", org, {"previous_reason": org.status_reason})




def set_grade(actor: User, org: Organization, grade: Grade | None, announced_on: date | None) -> None:
    permissions.require(actor, "admin.access")
    if grade is None:
        org.grade = org.grade_valid_from = org.grade_valid_until = None
    else:
        if announced_on is None:
            raise ValidationError(_l("Give the date the grade was announced."), field="announced_on")
        valid_from, valid_until = standing.grade_validity(announced_on)  # reads a rule: before any change
        org.grade, org.grade_valid_from, org.grade_valid_until = grade, valid_from, valid_until
    audit.append(actor, "organization.grade_set", org,
                 {"grade": grade.value if grade else None,
                  "valid": [str(org.grade_valid_from), str(org.grade_valid_until)]})


def close_rating_review(actor: User, org: Organization, grade: Grade | None, announced_on: date | None) -> None:
    """A black listing flagged the organization for rating review; the district closes it with the new grade."""
    set_grade(actor, org, grade, announced_on)
    org.grade_review_reason = None
