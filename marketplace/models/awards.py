"""承榜: the panel, declarations and recusals, roadshow slots, scores, the award and its public
notice, objections and the contract."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.enums import AwardStatus, ObjectionStatus, PanelRole
from marketplace.orm import TimestampMixin, enum_column


class PanelMember(TimestampMixin, db.Model):
    __tablename__ = "panel_members"
    __table_args__ = (
        UniqueConstraint("project_id", "user_id"),
        CheckConstraint("recused_at IS NULL OR recusal_reason IS NOT NULL", name="recusal_has_reason"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[PanelRole] = mapped_column(enum_column(PanelRole))
    position: Mapped[int] = mapped_column(Integer)  # 专家A = 1, 专家B = 2 … on public pages
    declared_at: Mapped[datetime | None]  # signed the no-conflict declaration
    recused_at: Mapped[datetime | None]
    recusal_reason: Mapped[str | None] = mapped_column(String(500))
    user = relationship("User")


class RoadshowSlot(TimestampMixin, db.Model):
    __tablename__ = "roadshow_slots"
    __table_args__ = (UniqueConstraint("bid_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id"))
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    bid = relationship("Bid")


class BidScore(TimestampMixin, db.Model):
    """One panel member's scores of one bid: each criterion with its reason."""

    __tablename__ = "bid_scores"
    __table_args__ = (
        UniqueConstraint("bid_id", "member_id"),
        CheckConstraint("total >= 0 AND total <= 100", name="total_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("panel_members.id"), index=True)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    total: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    member: Mapped[PanelMember] = relationship()


class Award(TimestampMixin, db.Model):
    """The decision (承榜) and its public notice (公示). A reopened award stays on record; a project
    has at most one award that is not reopened."""

    __tablename__ = "awards"
    __table_args__ = (
        UniqueConstraint("project_id", "round"),
        CheckConstraint("(status = 'final') = (finalized_at IS NOT NULL)", name="final_has_time"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id"))
    status: Mapped[AwardStatus] = mapped_column(enum_column(AwardStatus), default=AwardStatus.notice)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)  # required when the winner is not the top-ranked bid
    ranking: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # the ranking as decided, for the public page
    notice_ends_on: Mapped[date]
    finalized_at: Mapped[datetime | None]
    process: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # the project's process
    bid = relationship("Bid")
    objections: Mapped[list[Objection]] = relationship(back_populates="award", order_by="Objection.id")


class Objection(TimestampMixin, db.Model):
    __tablename__ = "objections"
    __table_args__ = (
        CheckConstraint("status = 'pending' OR decision_reason IS NOT NULL", name="decided_has_reason"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[ObjectionStatus] = mapped_column(enum_column(ObjectionStatus), default=ObjectionStatus.pending)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    award: Mapped[Award] = relationship(back_populates="objections")


class Contract(TimestampMixin, db.Model):
    __tablename__ = "contracts"
    __table_args__ = (UniqueConstraint("project_id", "bid_id"), CheckConstraint("amount > 0", name="amount_positive"),
                      CheckConstraint("ends_on > starts_on", name="term_ordered"))
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    parties: Mapped[list[str]] = mapped_column(JSON)
    plan_approved_at: Mapped[datetime | None]  # the street approved the delivery plan (milestones)
    process: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # the project's process
    bid = relationship("Bid")
