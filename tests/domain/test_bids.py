from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import Forbidden

from marketplace.domain.core import clock
from marketplace.domain.tender import bids
from marketplace.domain.core.errors import InvalidTransition, ValidationError
from marketplace.domain.orgs import standing
from marketplace.extensions import db
from marketplace.models import (
    BidStatus,
    Grade,
    NationalList,
    NationalListEntry,
    PartnerStatus,
    ProjectStatus,
    Role,
    VerificationStatus,
)
from tests.factories import bid_data, bidder, make_org, make_user, pdf_bytes, published_project, submitted_bid


def codes(org, project):
    return [r.code for r in bids.refusals(org, project)]


def test_a_verified_organization_without_trouble_may_bid():
    project, _ = published_project()
    assert codes(bidder().organization, project) == []


def test_each_reason_is_named():
    project, _ = published_project(min_grade=Grade.a3)
    pending = make_org(status=VerificationStatus.pending)
    assert "not_verified" in codes(pending, project)
    listed = make_org(grade=Grade.a4)
    db.session.add(NationalListEntry(organization_id=listed.id, kind=NationalList.dishonest,
                                     listed_on=date(2026, 1, 1), source="信用中国"))
    db.session.flush()
    db.session.refresh(listed)
    assert codes(listed, project) == ["national_list"]
    assert codes(make_org(grade=Grade.a2), project) == ["min_grade"]
    expired = make_org(grade=Grade.a5, valid=(date(2020, 1, 1), date(2025, 12, 31)))
    assert codes(expired, project) == ["min_grade"]  # an expired grade counts as none
    assert codes(make_org(grade=Grade.a3), project) == []


@pytest.mark.parametrize(("grade", "limit"), [(None, 1), (Grade.a1, 1), (Grade.a2, 1), (Grade.a3, 2),
                                              (Grade.a4, 3), (Grade.a5, 4)])
def test_capacity_limit_by_grade(grade, limit):
    org = make_org(grade=grade)
    assert standing.capacity_limit(org) == limit


def test_at_capacity_an_organization_cannot_bid():
    from marketplace.models import Bid

    user = bidder()  # no grade: one project at a time
    carried, _ = published_project()
    bid, _ = submitted_bid(carried, user)
    bid.status = BidStatus.awarded
    carried.status = ProjectStatus.delivery
    db.session.flush()
    project, _ = published_project()
    assert codes(user.organization, project) == ["capacity"]
    with pytest.raises(InvalidTransition):
        bids.save(user, project, bid_data())
    assert db.session.scalar(db.select(db.func.count(Bid.id)).where(Bid.project_id == project.id)) == 0


def test_submission_gives_a_receipt_with_a_digest_of_content_and_files(app):
    project, _ = published_project()
    user = bidder()
    bid = bids.save(user, project, bid_data())
    first = bids.submit(user, bid)
    assert first.submitted_at == clock.now() and len(first.digest) == 64 and bid.digest == first.digest
    pdf = FileStorage(BytesIO(pdf_bytes("team CVs")), filename="简历.pdf")
    bids.add_attachments(user, bid, [pdf])
    assert bid.status is BidStatus.draft  # changed: must be submitted again
    second = bids.submit(user, bid)
    assert second.digest != first.digest
    assert [r.digest for r in bids.public_receipts(project)] == [first.digest, second.digest]


def test_budget_over_the_cap_or_malformed_is_refused():
    project, _ = published_project()  # cap 80,000
    user = bidder()
    with pytest.raises(ValidationError) as err:
        bids.save(user, project, bid_data(total="80000.01"))
    assert "80000" in err.value.message
    with pytest.raises(ValidationError):
        bids.save(user, project, bid_data(total="八万"))
    with pytest.raises(ValidationError):
        bids.save(user, project, bid_data(total="-5"))
    assert bids.save(user, project, bid_data(total="80000")).budget_total == Decimal("80000.00")


def test_nothing_changes_after_the_deadline():
    project, _ = published_project()
    bid, user = submitted_bid(project)
    with clock.frozen(project.bid_deadline):
        with pytest.raises(InvalidTransition):
            bids.save(user, project, bid_data(total="1"))
        with pytest.raises(InvalidTransition):
            bids.withdraw(user, bid)
        with pytest.raises(InvalidTransition):
            bids.submit(user, bid)
        with pytest.raises(InvalidTransition):  # a late newcomer is refused too
            bids.save(bidder(), project, bid_data())
    assert bid.status is BidStatus.submitted and bid.budget_total == Decimal("50000.00")


def test_withdraw_before_the_deadline():
    project, _ = published_project()
    bid, user = submitted_bid(project)
    bids.withdraw(user, bid)
    assert bid.status is BidStatus.withdrawn
    with pytest.raises(Forbidden):
        bids.withdraw(bidder(), bid)


def test_attachments_are_checked_by_content_and_named_safely(app):
    project, _ = published_project()
    user = bidder()
    bid = bids.save(user, project, bid_data())
    liar = FileStorage(BytesIO(b"MZ\x90 an executable"), filename="plan.pdf")
    with pytest.raises(ValidationError):
        bids.add_attachments(user, bid, [liar])
    sneaky = FileStorage(BytesIO(pdf_bytes("ok")), filename="../../etc/passwd.pdf")
    [attachment] = bids.add_attachments(user, bid, [sneaky])
    assert attachment.original_name == "passwd.pdf" and "/" not in attachment.stored_name
    app.config["MAX_ATTACHMENT_BYTES"], limit = 10, app.config["MAX_ATTACHMENT_BYTES"]
    try:
        with pytest.raises(ValidationError):
            bids.add_attachments(user, bid, [FileStorage(BytesIO(pdf_bytes("too large")), filename="a.pdf")])
    finally:
        app.config["MAX_ATTACHMENT_BYTES"] = limit


def test_joint_bid_needs_every_partner_confirmed_and_eligible():
    project, _ = published_project()
    lead = bidder()
    partner_user = bidder()
    bid = bids.save(lead, project, bid_data())
    invitation = bids.invite_partner(lead, bid, partner_user.organization, "负责心理陪伴", 30, Decimal("15000"))
    with pytest.raises(InvalidTransition):  # unconfirmed partner blocks submission
        bids.submit(lead, bid)
    with pytest.raises(Forbidden):  # only the partner confirms, in its own account
        bids.answer_invitation(lead, invitation, True)
    bids.answer_invitation(partner_user, invitation, True)
    assert invitation.status is PartnerStatus.confirmed
    receipt = bids.submit(lead, bid)
    assert receipt.digest == bid.digest


def test_at_most_three_partners():
    project, _ = published_project()
    lead = bidder()
    bid = bids.save(lead, project, bid_data())
    for _ in range(3):
        bids.invite_partner(lead, bid, make_org(), "合作", 10, Decimal("1000"))
    with pytest.raises(ValidationError):
        bids.invite_partner(lead, bid, make_org(), "合作", 10, Decimal("1000"))


def test_an_ineligible_partner_cannot_confirm():
    project, _ = published_project()
    lead = bidder()
    pending = make_user(Role.organization, organization_id=make_org(status=VerificationStatus.pending).id)
    bid = bids.save(lead, project, bid_data())
    invitation = bids.invite_partner(lead, bid, pending.organization, "合作", 10, Decimal("1000"))
    with pytest.raises(InvalidTransition):
        bids.answer_invitation(pending, invitation, True)


def test_sealing_before_and_after_the_deadline():
    from marketplace.domain.tender import awards

    project, officer = published_project()
    bid, owner = submitted_bid(project)
    colleague = make_user(Role.organization, organization_id=owner.organization_id)
    rival = bidder()
    admin = make_user(Role.admin)
    expert = make_user(Role.expert)
    for user in (rival, admin, officer, expert):
        assert not bids.can_read(user, bid)
    assert bids.can_read(owner, bid) and bids.can_read(colleague, bid)
    with clock.frozen(project.bid_deadline + timedelta(minutes=1)):
        awards.close_if_due(project)
        assert project.status is ProjectStatus.reviewing
        assert bids.can_read(officer, bid) and bids.can_read(admin, bid)
        assert not bids.can_read(rival, bid) and not bids.can_read(expert, bid)
