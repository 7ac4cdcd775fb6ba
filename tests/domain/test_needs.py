from decimal import Decimal
from io import BytesIO

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import Forbidden

from marketplace.domain.assess import needs
from marketplace.domain.core import audit, clock, rules
from marketplace.domain.core.errors import InvalidTransition, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    NeedPhoto,
    NeedStatus,
    Notification,
    Role,
    Setting,
    Wish,
    WishStatus,
)
from tests.factories import make_community, make_need, make_user, need_data, review_scores


def image_file(fmt="PNG", name="photo.png"):
    buffer = BytesIO()
    Image.new("RGB", (20, 20), (200, 30, 30)).save(buffer, fmt)
    buffer.seek(0)
    return FileStorage(buffer, filename=name)


def test_case_codes_are_unique_sequential_and_stable():
    secretary = make_user(Role.secretary)
    first, second = make_need(secretary), make_need(secretary)
    assert first.code == "LC-2026-000001" and second.code == "LC-2026-000002"
    with clock.frozen(clock.now().replace(year=2027)):
        assert make_need(secretary).code == "LC-2027-000001"


def test_a_wish_lands_in_its_community_without_personal_data_in_the_log():
    community = make_community()
    wish = needs.submit_wish(community, "希望楼道装上声控灯", "13800001111", "10.0.0.1")
    assert wish.status is WishStatus.new and wish.community_id == community.id
    entry = audit.timeline(wish)[0]
    assert "13800001111" not in str(entry.payload) and "10.0.0.1" not in str(entry.payload)
    assert wish.client_hash != "10.0.0.1"


def test_the_same_wish_from_one_address_within_a_day_is_one_wish():
    community = make_community()
    first = needs.submit_wish(community, "希望楼道装上声控灯", None, "10.0.0.1")
    again = needs.submit_wish(community, "希望楼道装上声控灯", None, "10.0.0.1")
    other = needs.submit_wish(community, "希望楼道装上声控灯", None, "10.0.0.2")
    assert again is first and other is not first


def test_a_secretary_takes_up_a_wish_as_a_need():
    community = make_community()
    secretary = make_user(Role.secretary, community_id=community.id)
    wish = needs.submit_wish(community, "希望有人教老人用智能手机", None, "10.0.0.1")
    need = needs.record_need(secretary, need_data(title="智能手机培训"), wish=wish)
    assert wish.status is WishStatus.accepted and wish.need_id == need.id
    assert need.source.value == "wish"


def test_a_secretary_of_another_community_cannot_touch_the_wish():
    wish = needs.submit_wish(make_community(), "希望增加健身器材", None, "10.0.0.1")
    outsider = make_user(Role.secretary)
    with pytest.raises(Forbidden):
        needs.decline_wish(outsider, wish, "不属于本社区")
    with pytest.raises(Forbidden):
        needs.record_need(outsider, need_data(), wish=wish)
    assert wish.status is WishStatus.new


def test_declining_needs_a_reason():
    community = make_community()
    secretary = make_user(Role.secretary, community_id=community.id)
    wish = needs.submit_wish(community, "希望增加健身器材", None, "10.0.0.1")
    with pytest.raises(ValidationError):
        needs.decline_wish(secretary, wish, " ")
    needs.decline_wish(secretary, wish, "已由街道统一安排")
    assert wish.status is WishStatus.declined


def test_photos_are_checked_by_content_and_nothing_is_saved_when_one_is_bad(app):
    secretary = make_user(Role.secretary)
    db.session.commit()
    fake = FileStorage(BytesIO(b"%PDF-1.4 not a photo"), filename="photo.jpg")
    with pytest.raises(ValidationError) as err:
        needs.record_need(secretary, need_data(), photos=[image_file(), fake])
    assert err.value.field == "photos"
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(NeedPhoto.id))) == 0
    need = needs.record_need(secretary, need_data(), photos=[image_file(), image_file("JPEG", "b.jpg")])
    assert [p.content_type for p in need.photos] == ["image/png", "image/jpeg"]


def test_a_too_large_photo_is_refused(app):
    secretary = make_user(Role.secretary)
    app.config["MAX_IMAGE_BYTES"], limit = 20, app.config["MAX_IMAGE_BYTES"]
    try:
        with pytest.raises(ValidationError):
            needs.record_need(secretary, need_data(), photos=[image_file()])
    finally:
        app.config["MAX_IMAGE_BYTES"] = limit


def test_duplicates_merge_and_keep_their_codes():
    secretary = make_user(Role.secretary)
    survivor, duplicate = make_need(secretary), make_need(secretary, beneficiaries_count=60)
    needs.merge(secretary, duplicate, survivor)
    assert duplicate.status is NeedStatus.merged and duplicate.merged_into_id == survivor.id
    assert duplicate.code.startswith("LC-") and survivor.beneficiaries_count == 60
    with pytest.raises(Forbidden):  # a merged need cannot be merged again
        needs.merge(secretary, duplicate, survivor)


def test_review_total_mean_and_threshold_with_numbers():
    secretary = make_user(Role.secretary)
    officer = make_user(Role.street, street_id=secretary.community.street_id)
    need = make_need(secretary)
    a, b = make_user(Role.expert), make_user(Role.expert)
    needs.assign_reviewers(officer, need, [a, b])
    assert need.status is NeedStatus.in_review
    assert need.criteria == {"urgency": 30, "reach": 25, "feasibility": 25, "cost": 20}
    review_a = next(r for r in need.reviews if r.reviewer_id == a.id)
    review_b = next(r for r in need.reviews if r.reviewer_id == b.id)
    needs.submit_review(a, review_a, review_scores(30, 25, 25, 20))        # 100
    needs.submit_review(b, review_b, review_scores(10, 10, 9.5, 9.5))      # 39
    assert review_a.total == Decimal("100.00") and review_b.total == Decimal("39.00")
    assert need.mean_score == Decimal("69.50")
    needs.decide(officer, need, True, "")
    assert need.status is NeedStatus.approved


@pytest.mark.parametrize(("totals", "ok"), [((59.99,), False), ((60,), True), ((59, 61), True), ((50, 69.98), False)])
def test_approval_only_at_or_above_the_threshold(totals, ok):
    secretary = make_user(Role.secretary)
    officer = make_user(Role.street, street_id=secretary.community.street_id)
    need = make_need(secretary)
    experts = [make_user(Role.expert) for _ in totals]
    needs.assign_reviewers(officer, need, experts)
    for expert, total in zip(experts, totals):
        review = next(r for r in need.reviews if r.reviewer_id == expert.id)
        needs.submit_review(expert, review, review_scores(Decimal(str(total)) - 45, 20, 15, 10))
    if ok:
        needs.decide(officer, need, True, "")
        assert need.status is NeedStatus.approved
    else:
        with pytest.raises(InvalidTransition):
            needs.decide(officer, need, True, "")
        assert need.status is NeedStatus.in_review


def test_the_threshold_comes_from_the_rules():
    db.session.add(Setting(key="need.publish_threshold", value=90))
    db.session.flush()
    from flask import g
    g.pop("rule_overrides", None)
    secretary = make_user(Role.secretary)
    officer = make_user(Role.street, street_id=secretary.community.street_id)
    need = make_need(secretary)
    expert = make_user(Role.expert)
    needs.assign_reviewers(officer, need, [expert])
    needs.submit_review(expert, need.reviews[0], review_scores())  # 80
    assert rules.get_rule("need.publish_threshold") == 90
    with pytest.raises(InvalidTransition):
        needs.decide(officer, need, True, "")


def test_no_approval_without_a_review_and_rejection_needs_a_reason():
    secretary = make_user(Role.secretary)
    officer = make_user(Role.street, street_id=secretary.community.street_id)
    need = make_need(secretary)
    with pytest.raises(InvalidTransition):
        needs.decide(officer, need, True, "")
    with pytest.raises(ValidationError):
        needs.decide(officer, need, False, "")
    needs.decide(officer, need, False, "已纳入区级民生实事统一解决")
    assert need.status is NeedStatus.rejected and need.decision_reason
    notice = db.session.scalars(db.select(Notification).where(Notification.user_id == secretary.id)).one()
    assert notice.kind == "need.decided" and notice.params["status"] == "rejected"


def test_scores_out_of_range_or_without_reason_are_refused():
    secretary = make_user(Role.secretary)
    officer = make_user(Role.street, street_id=secretary.community.street_id)
    need = make_need(secretary)
    expert = make_user(Role.expert)
    needs.assign_reviewers(officer, need, [expert])
    review = need.reviews[0]
    with pytest.raises(ValidationError) as err:
        needs.submit_review(expert, review, review_scores(urgency=31))
    assert err.value.field == "urgency_score"
    with pytest.raises(ValidationError) as err:
        needs.submit_review(expert, review, review_scores(reach=-1))
    assert err.value.field == "reach_score"
    with pytest.raises(ValidationError) as err:
        needs.submit_review(expert, review, review_scores(reason=""))
    assert err.value.field == "urgency_reason"
    bad = review_scores()
    bad["cost"]["score"] = "abc"
    with pytest.raises(ValidationError):
        needs.submit_review(expert, review, bad)
    assert review.submitted_at is None


def test_scope_street_and_reviewer():
    secretary = make_user(Role.secretary)
    need = make_need(secretary)
    other_street = make_user(Role.street)
    with pytest.raises(Forbidden):
        needs.assign_reviewers(other_street, need, [make_user(Role.expert)])
    officer = make_user(Role.street, street_id=secretary.community.street_id)
    expert, stranger = make_user(Role.expert), make_user(Role.expert)
    needs.assign_reviewers(officer, need, [expert])
    review = need.reviews[0]
    with pytest.raises(Forbidden):
        needs.submit_review(stranger, review, review_scores())
    needs.submit_review(expert, review, review_scores())
    with pytest.raises(Forbidden):  # once only
        needs.submit_review(expert, review, review_scores())
    assigned = db.session.scalars(db.select(Notification).where(Notification.user_id == expert.id)).one()
    assert assigned.kind == "review.assigned"


def test_only_experts_review():
    secretary = make_user(Role.secretary)
    officer = make_user(Role.street, street_id=secretary.community.street_id)
    with pytest.raises(ValidationError):
        needs.assign_reviewers(officer, make_need(secretary), [make_user(Role.department)])


def test_idempotent_submission_key():
    secretary = make_user(Role.secretary)
    first = needs.record_need(secretary, need_data(), submission_key="k1")
    again = needs.record_need(secretary, need_data(), submission_key="k1")
    assert again is first
    db.session.flush()
    wish = needs.submit_wish(secretary.community, "同一个表单提交两次", None, "1.1.1.1", submission_key="w1")
    assert needs.submit_wish(secretary.community, "同一个表单提交两次", None, "2.2.2.2", submission_key="w1") is wish
    assert db.session.scalar(db.select(db.func.count(Wish.id))) == 1
    assert first.created_at == clock.now()
