"""评榜: residents' micro-wishes, needs with their case codes, photos and reviews."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.enums import NeedSource, NeedStatus, Urgency, WishStatus
from marketplace.models.geography import Category, Community
from marketplace.models.search import searchable
from marketplace.orm import TimestampMixin, enum_column


class Wish(TimestampMixin, db.Model):
    """A resident's micro-wish (微心愿): anonymous, private to the community until taken up."""

    __tablename__ = "wishes"
    __table_args__ = (
        CheckConstraint("status <> 'declined' OR decline_reason IS NOT NULL", name="declined_has_reason"),
        CheckConstraint("(status = 'accepted') = (need_id IS NOT NULL)", name="accepted_iff_need"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    content: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(64))  # never shown publicly
    client_hash: Mapped[str] = mapped_column(String(64), index=True)  # flood control, not an IP
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[WishStatus] = mapped_column(enum_column(WishStatus), default=WishStatus.new, index=True)
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"))
    handled_at: Mapped[datetime | None]
    # the number the resident follows it by on /track (random, not guessable from another's)
    tracking_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    community: Mapped[Community] = relationship()


class Need(TimestampMixin, db.Model):
    __tablename__ = "needs"
    __table_args__ = (
        CheckConstraint("beneficiaries_count > 0", name="beneficiaries_positive"),
        CheckConstraint("(status = 'merged') = (merged_into_id IS NOT NULL)", name="merged_iff_survivor"),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_itself"),
        CheckConstraint("status NOT IN ('approved', 'rejected') OR decided_at IS NOT NULL",
                        name="decided_has_time"),
        CheckConstraint("status <> 'rejected' OR decision_reason IS NOT NULL", name="rejected_has_reason"),
        CheckConstraint("(status = 'in_project') = (project_id IS NOT NULL)", name="in_project_iff_project"),
        # a street's or community's needs counted by status from the index alone (the street desk's tabs)
        Index("ix_needs_community_status", "community_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    beneficiaries: Mapped[str] = mapped_column(String(200))
    beneficiaries_count: Mapped[int] = mapped_column(Integer)
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency))
    source: Mapped[NeedSource] = mapped_column(enum_column(NeedSource), default=NeedSource.survey)
    status: Mapped[NeedStatus] = mapped_column(enum_column(NeedStatus), default=NeedStatus.recorded, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # 评榜: the criteria and their maximum points, fixed when reviewers are first assigned
    criteria: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    mean_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    search_text: Mapped[str | None] = mapped_column(Text)

    community: Mapped[Community] = relationship()
    category: Mapped[Category] = relationship()
    photos: Mapped[list[NeedPhoto]] = relationship(back_populates="need", order_by="NeedPhoto.id")
    reviews: Mapped[list[NeedReview]] = relationship(back_populates="need", order_by="NeedReview.id")
    merged_into: Mapped[Need | None] = relationship(remote_side="Need.id", foreign_keys=[merged_into_id])
    project: Mapped[Project | None] = relationship(back_populates="needs")  # noqa: F821

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


searchable(Need.__table__)


class NeedPhoto(TimestampMixin, db.Model):
    """A photo stored on disk under a random name; only staff in scope see it."""

    __tablename__ = "need_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    need: Mapped[Need] = relationship(back_populates="photos")


class NeedReview(TimestampMixin, db.Model):
    """One reviewer's assignment on a need and, once submitted, their scores with reasons."""

    __tablename__ = "need_reviews"
    __table_args__ = (
        UniqueConstraint("need_id", "reviewer_id"),
        CheckConstraint("(submitted_at IS NULL) = (total IS NULL)", name="total_iff_submitted"),
        CheckConstraint("total IS NULL OR (total >= 0 AND total <= 100)", name="total_in_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scores: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {criterion: {"score": n, "reason": s}}
    total: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    submitted_at: Mapped[datetime | None]
    need: Mapped[Need] = relationship(back_populates="reviews")
    reviewer = relationship("User", foreign_keys=[reviewer_id])
