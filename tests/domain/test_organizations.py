from datetime import date

import pytest
from werkzeug.exceptions import Forbidden

from marketplace.domain.core import audit, clock
from marketplace.domain.orgs import organizations
from marketplace.domain.core.errors import ValidationError
from marketplace.domain.orgs import standing
from marketplace.extensions import db
from marketplace.models import (
    AuditEntry,
    Grade,
    NationalList,
    NationalListEntry,
    OrgType,
    Role,
    VerificationStatus,
)
from tests.factories import make_category, make_org, make_street, make_user, valid_code


def _profile(**kw):
    data = {"name": "李沧区晨光社会工作服务中心", "uscc": valid_code(), "org_type": OrgType.private_non_enterprise,
            "registered_on": date(2019, 3, 1), "legal_representative": "周敏", "contact_name": "陈丽",
            "contact_phone": "13900000000", "contact_email": None, "address": None, "description": None,
            "alliance": None, "category_ids": [], "street_ids": []}
    data.update(kw)
    return data


def test_registration_creates_a_pending_organization_and_its_account():
    category, street = make_category(), make_street()
    user = organizations.register(_profile(category_ids=[category.id], street_ids=[street.id]),
                                  username="chenguang", password="Secret-lantern-123", display_name="陈丽")
    org = user.organization
    assert org.status is VerificationStatus.pending and user.role is Role.organization
    assert org.categories == [category] and org.streets == [street]
    actions = [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions == ["user.created", "organization.registered"]


def test_a_duplicate_code_is_refused():
    existing = make_org()
    with pytest.raises(ValidationError) as err:
        organizations.register(_profile(uscc=existing.uscc.lower()), username="dup",
                               password="Secret-lantern-123", display_name="x")
    assert err.value.field == "uscc"


def test_a_code_whose_type_character_disagrees_is_refused():
    with pytest.raises(ValidationError) as err:
        organizations.register(_profile(uscc=valid_code(type_char="1")), username="t",
                                password="Secret-lantern-123", display_name="x")
    assert err.value.field == "uscc"


def test_verify_and_reject_are_for_the_administrator_on_pending_organizations():
    admin, org = make_user(Role.admin), make_org(status=VerificationStatus.pending)
    street_officer = make_user(Role.street)
    with pytest.raises(Forbidden):
        organizations.verify(street_officer, org)
    organizations.verify(admin, org)
    assert org.status is VerificationStatus.verified and org.verified_at == clock.now()
    with pytest.raises(Forbidden):  # not pending any more
        organizations.reject(admin, org, "late")


def test_rejection_needs_a_reason_and_the_organization_can_resubmit():
    admin, org = make_user(Role.admin), make_org(status=VerificationStatus.pending)
    with pytest.raises(ValidationError):
        organizations.reject(admin, org, "   ")
    organizations.reject(admin, org, "证书照片不清晰")
    assert org.status is VerificationStatus.rejected and org.status_reason == "证书照片不清晰"
    member = make_user(Role.organization, organization_id=org.id)
    outsider = make_user(Role.organization)
    with pytest.raises(Forbidden):
        organizations.resubmit(outsider, org)
    organizations.resubmit(member, org)
    assert org.status is VerificationStatus.pending
    assert audit.verify_chain().ok


@pytest.mark.parametrize(("announced", "valid_from", "valid_until"), [
    (date(2024, 6, 15), date(2025, 1, 1), date(2029, 12, 31)),
    (date(2024, 12, 31), date(2025, 1, 1), date(2029, 12, 31)),
    (date(2025, 1, 1), date(2026, 1, 1), date(2030, 12, 31)),
])
def test_grade_validity_runs_from_next_january_to_the_fifth_december(announced, valid_from, valid_until):
    assert standing.grade_validity(announced) == (valid_from, valid_until)


def test_an_expired_or_future_grade_counts_as_none():
    org = make_org(grade=Grade.a4, valid=(date(2021, 1, 1), date(2025, 12, 31)))
    assert standing.effective_grade(org, date(2025, 12, 31)) is Grade.a4
    assert standing.effective_grade(org, date(2026, 1, 1)) is None
    assert standing.standing(org, date(2026, 1, 1)).grade_state == "expired"
    assert standing.effective_grade(org, date(2020, 12, 31)) is None
    assert standing.standing(org, date(2020, 12, 31)).grade_state == "not_yet"
    assert standing.standing(make_org(), date(2026, 1, 1)).grade_state == "none"


def test_national_list_entries_count_between_listing_and_removal():
    org = make_org()
    db.session.add(NationalListEntry(organization_id=org.id, kind=NationalList.abnormal,
                                     listed_on=date(2026, 3, 1), removed_on=date(2026, 9, 1),
                                     source="民政局公告"))
    db.session.flush()
    db.session.refresh(org)
    assert standing.active_national_entries(org, date(2026, 2, 28)) == []
    assert len(standing.active_national_entries(org, date(2026, 3, 1))) == 1
    assert standing.active_national_entries(org, date(2026, 9, 1)) == []


def test_set_grade_records_validity_from_the_announcement():
    admin, org = make_user(Role.admin), make_org()
    organizations.set_grade(admin, org, Grade.a5, date(2025, 7, 1))
    assert (org.grade_valid_from, org.grade_valid_until) == (date(2026, 1, 1), date(2030, 12, 31))
