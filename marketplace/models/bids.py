"""揭榜: intent letters (bids), joint-bid partners, attachments and submission receipts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.enums import BidStatus, PartnerStatus
from marketplace.orm import TimestampMixin, enum_column


class Bid(TimestampMixin, db.Model):
    """An organization's intent letter (意向书) for a project. Its content is sealed until the
    bidding deadline: only marketplace.domain.tender.bids decides who may read it."""

    __tablename__ = "bids"
    __table_args__ = (
        UniqueConstraint("project_id", "organization_id"),
        CheckConstraint("(status = 'withdrawn') = (withdrawn_at IS NOT NULL)", name="withdrawn_at_iff_withdrawn"),
        CheckConstraint("status = 'draft' OR status = 'withdrawn' OR submitted_at IS NOT NULL",
                        name="submitted_has_time"),
        CheckConstraint("budget_total >= 0", name="budget_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    status: Mapped[BidStatus] = mapped_column(enum_column(BidStatus), default=BidStatus.draft, index=True)
    # public after the award (SPEC §3): what the bidder proposes, in a few sentences
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    team: Mapped[str] = mapped_column(Text, default="")
    outputs: Mapped[str] = mapped_column(Text, default="")
    schedule: Mapped[str] = mapped_column(Text, default="")
    budget_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    budget_total: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    submitted_at: Mapped[datetime | None]
    digest: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=0)

    project = relationship("Project")
    organization = relationship("Organization")
    partners: Mapped[list[BidPartner]] = relationship(back_populates="bid", order_by="BidPartner.id")
    attachments: Mapped[list[BidAttachment]] = relationship(back_populates="bid", order_by="BidAttachment.id")
    receipts: Mapped[list[BidReceipt]] = relationship(back_populates="bid", order_by="BidReceipt.id")


class BidPartner(TimestampMixin, db.Model):
    """A partner in a joint bid (联合揭榜): confirms in its own account, with its role and shares."""

    __tablename__ = "bid_partners"
    __table_args__ = (
        UniqueConstraint("bid_id", "organization_id"),
        CheckConstraint("work_share >= 0 AND work_share <= 100", name="work_share_range"),
        CheckConstraint("(status = 'confirmed') = (confirmed_at IS NOT NULL)", name="confirmed_has_time"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    role: Mapped[str] = mapped_column(String(200), default="")
    work_share: Mapped[int] = mapped_column(Integer, default=0)
    budget_share: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    status: Mapped[PartnerStatus] = mapped_column(enum_column(PartnerStatus), default=PartnerStatus.invited)
    confirmed_at: Mapped[datetime | None]
    bid: Mapped[Bid] = relationship(back_populates="partners")
    organization = relationship("Organization")


class BidAttachment(TimestampMixin, db.Model):
    __tablename__ = "bid_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(48))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    bid: Mapped[Bid] = relationship(back_populates="attachments")


class BidReceipt(TimestampMixin, db.Model):
    """A submission receipt: the time and the SHA-256 digest of the bid's content and files.
    Public from the moment of submission (proof of an on-time, unchanged bid)."""

    __tablename__ = "bid_receipts"
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime]
    process: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # the project's process
    document: Mapped[str | None] = mapped_column(Text)  # the exact canonical JSON that was hashed
    bid: Mapped[Bid] = relationship(back_populates="receipts")
