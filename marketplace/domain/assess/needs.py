"""评榜: micro-wishes → needs → review → decision. Every operation checks permission and state,
mutates, flushes and writes the audit chain; the caller commits."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.domain.core import audit, clock, codes, followup, notify, permissions, rules, scoring, search, uploads
from marketplace.domain.core.criteria import clean_scores
from marketplace.domain.core.errors import InvalidTransition, ValidationError, free_text
from marketplace.extensions import db
from marketplace.models import (
    Community,
    Need,
    NeedPhoto,
    NeedReview,
    NeedSource,
    NeedStatus,
    Role,
    User,
    Wish,
    WishStatus,
)

CRITERIA = ("urgency", "reach", "feasibility", "cost")
NEED_FIELDS = ("title", "description", "category_id", "beneficiaries", "beneficiaries_count", "urgency")


def _existing(model: Any, key: str | None) -> Any:
    """The row an earlier submission of the same form created (double click, resent form)."""
    if not key:
        return None
    return db.session.scalar(select(model).where(model.submission_key == key))


# --- micro-wishes ------------------------------------------------------------------------

def client_hash(address: str) -> str:
    """A keyed hash of the client's address: enough to spot a flood, not to identify anyone."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hashlib.sha256(secret + (address or "").encode()).hexdigest()


def submit_wish(community: Community, content: str, contact: str | None, address: str,
                submission_key: str | None = None) -> Wish:
    """A resident's micro-wish, without an account. Identical wishes from one address within a
    day are one wish."""
    earlier = _existing(Wish, submission_key)
    if earlier is not None:
        return earlier
    content = (content or "").strip()
    if len(content) < 5:
        raise ValidationError(_l("Please describe the wish in a few words (at least 5 characters)."),
                              field="content")
    fingerprint = client_hash(address)
    duplicate = db.session.scalar(select(Wish).where(
        Wish.client_hash == fingerprint, Wish.community_id == community.id, Wish.content == content,
        Wish.created_at >= clock.now() - timedelta(days=1)))
    if duplicate is not None:
        return duplicate
    wish = Wish(community_id=community.id, content=content, contact=(contact or "").strip() or None,
                client_hash=fingerprint, submission_key=submission_key, created_at=clock.now())
    followup.assign(wish)
    db.session.add(wish)
    audit.append(None, "wish.submitted", wish, {"community": community.id})  # no personal data
    return wish


def decline_wish(actor: User, wish: Wish, reason: str) -> None:
    permissions.require(actor, "wish.triage", wish)
    reason = free_text(reason)
    if not reason:
        raise ValidationError(_l("Give the reason for declining."), field="reason")
    wish.status, wish.decline_reason, wish.handled_at = WishStatus.declined, reason, clock.now()
    audit.append(actor, "wish.declined", wish, {"reason": reason})


# --- needs ---------------------------------------------------------------------------------

def _validate_need(data: dict[str, Any]) -> None:
    if not (data.get("title") or "").strip():
        raise ValidationError(_l("Give the need a title."), field="title")
    count = data.get("beneficiaries_count")
    if not isinstance(count, int) or count <= 0:
        raise ValidationError(_l("Enter how many people benefit (a whole number above 0)."),
                              field="beneficiaries_count")


def record_need(actor: User, data: dict[str, Any], photos: list[Any] | None = None,
                wish: Wish | None = None, submission_key: str | None = None) -> Need:
    """A secretary records a need for their community (from the survey, or from a wish)."""
    permissions.require(actor, "need.record")
    earlier = _existing(Need, submission_key)
    if earlier is not None:
        return earlier
    if wish is not None:
        permissions.require(actor, "wish.triage", wish)
    _validate_need(data)
    checked = uploads.read_images(photos or [])  # all photos checked before anything is saved
    need = Need(code=codes.need_code(), community_id=actor.community_id, created_by_id=actor.id,
                source=NeedSource.wish if wish else NeedSource.survey, submission_key=submission_key,
                **{k: data[k] for k in NEED_FIELDS})
    need.title, need.description = need.title.strip(), need.description.strip()
    need.search_text = search.tokens(need.title, need.description, need.beneficiaries)
    db.session.add(need)
    db.session.flush()
    for data_, content_type, ext in checked:
        stored = uploads.store("needs", data_, content_type, ext)
        need.photos.append(NeedPhoto(stored_name=stored.stored_name, content_type=stored.content_type,
                                     size=stored.size))
    if wish is not None:
        wish.status, wish.need_id, wish.handled_at = WishStatus.accepted, need.id, clock.now()
        audit.append(actor, "wish.accepted", wish, {"need": need.code})
    audit.append(actor, "need.recorded", need, {"code": need.code, "title": need.title,
                                                "source": need.source.value, "photos": len(checked)})
    return need


def merge(actor: User, duplicate: Need, survivor: Need) -> None:
    """Fold a duplicate into another need; the duplicate keeps its code and points to the survivor."""
    permissions.require(actor, "need.merge", duplicate)
    permissions.require(actor, "need.merge", survivor)
    if duplicate.id == survivor.id:
        raise ValidationError(_l("A need cannot be merged into itself."), field="survivor")
    duplicate.status, duplicate.merged_into_id = NeedStatus.merged, survivor.id
    survivor.beneficiaries_count = max(survivor.beneficiaries_count, duplicate.beneficiaries_count)
    db.session.flush()
    audit.append(actor, "need.merged", duplicate, {"into": survivor.code})
    audit.append(actor, "need.absorbed", survivor, {"duplicate": duplicate.code})


def eligible_reviewers() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.expert, User.active.is_(True))
                                   .order_by(User.display_name)))


def assign_reviewers(actor: User, need: Need, reviewers: list[User]) -> list[NeedReview]:
    permissions.require(actor, "need.assign_reviewers", need)
    if not reviewers:
        raise ValidationError(_l("Choose at least one reviewer."), field="reviewer_ids")
    if any(r.role is not Role.expert or not r.active for r in reviewers):
        raise ValidationError(_l("Only experts and third-party evaluators can review."), field="reviewer_ids")
    if need.criteria is None:  # the criteria in force when the review starts stay for this need
        need.criteria = rules.weights("need_weights")
    already = {r.reviewer_id for r in need.reviews}
    added = []
    for reviewer in reviewers:
        if reviewer.id in already:
            continue
        review = NeedReview(reviewer_id=reviewer.id, assigned_by_id=actor.id)
        need.reviews.append(review)
        added.append(review)
    need.status = NeedStatus.in_review
    db.session.flush()
    audit.append(actor, "need.reviewers_assigned", need, {"count": len(added)})  # names stay private
    notify.notify([r for r in reviewers if r.id not in already], "review.assigned",
                  {"code": need.code, "title": need.title}, f"/reviews/{need.code}")
    return added


def submit_review(actor: User, review: NeedReview, scores: dict[str, Any]) -> None:
    """A reviewer's scores: each criterion from 0 to its maximum, each with a short reason."""
    permissions.require(actor, "need.review", review)
    criteria = review.need.criteria or {}
    clean = clean_scores(criteria, scores, reason_max=200)
    review.scores = clean
    review.total = scoring.review_total(criteria, {k: v["score"] for k, v in clean.items()})
    review.submitted_at = clock.now()
    db.session.flush()
    review.need.mean_score = scoring.mean(
        r.total for r in review.need.reviews if r.total is not None)
    audit.append(actor, "need.reviewed", review.need, {"total": str(review.total)})


def decide(actor: User, need: Need, approve: bool, reason: str) -> None:
    """The street decides: publishable (mean at or above the threshold) or not adopted."""
    permissions.require(actor, "need.decide", need)
    reason = free_text(reason)
    threshold = rules.get_rule("need.publish_threshold")
    if approve:
        if need.status is not NeedStatus.in_review or need.mean_score is None:
            raise InvalidTransition(_l("A need can be approved only after at least one review."))
        if not scoring.publishable(need.mean_score, threshold):
            raise InvalidTransition(_l("The mean review score %(mean)s is below the threshold %(t)s; "
                                       "this need cannot be published.", mean=need.mean_score, t=threshold))
        need.status = NeedStatus.approved
    else:
        if not reason:
            raise ValidationError(_l("Give the reason; it is public."), field="reason")
        need.status = NeedStatus.rejected
    need.decision_reason = reason or None
    need.decided_at, need.decided_by_id = clock.now(), actor.id
    audit.append(actor, "need.approved" if approve else "need.rejected", need,
                 {"mean": str(need.mean_score) if need.mean_score is not None else None,
                  "threshold": threshold, "reason": need.decision_reason})
    secretaries = db.session.scalars(select(User).where(User.role == Role.secretary,
                                                        User.community_id == need.community_id))
    notify.notify(secretaries, "need.decided", {"code": need.code, "title": need.title,
                                                "status": need.status.value}, f"/needs/{need.code}")


def approved_needs_of_street(street_id: int) -> list[Need]:
    return list(db.session.scalars(
        select(Need).join(Community).where(Community.street_id == street_id,
                                           Need.status == NeedStatus.approved).order_by(Need.id)))


def pending_review_count(user: User) -> int:
    return db.session.scalar(select(func.count(NeedReview.id)).join(Need).where(
        NeedReview.reviewer_id == user.id, NeedReview.submitted_at.is_(None),
        Need.status == NeedStatus.in_review)) or 0
