"""All models, imported here so Alembic and the mapper registry see every table."""

from marketplace.models.audit import AuditEntry
from marketplace.models.enums import (
    ORG_TYPE_USCC_CHAR,
    AffiliationKind,
    Alliance,
    Grade,
    NationalList,
    OrgType,
    Role,
    VerificationStatus,
)
from marketplace.models.geography import Category, Community, Department, Street
from marketplace.models.organizations import NationalListEntry, Organization
from marketplace.models.settings import Setting
from marketplace.models.users import Affiliation, ExpertProfile, User

__all__ = [
    "ORG_TYPE_USCC_CHAR",
    "Affiliation", "AffiliationKind", "Alliance", "AuditEntry", "Category", "Community",
    "Department", "ExpertProfile", "Grade", "NationalList", "NationalListEntry", "Organization",
    "OrgType", "Role", "Setting", "Street", "User", "VerificationStatus",
]
