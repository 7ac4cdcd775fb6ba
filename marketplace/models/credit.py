"""红黑榜: the periodic red/black list, its entries, appeals and repairs, exemplary proposals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.enums import AppealStatus, ListKind, ListStatus
from marketplace.orm import TimestampMixin, enum_column


class ListPeriod(TimestampMixin, db.Model):
    __tablename__ = "list_periods"
    __table_args__ = (
        CheckConstraint("(status = 'published') = (published_at IS NOT NULL)", name="published_has_time"),
        CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[ListStatus] = mapped_column(enum_column(ListStatus), default=ListStatus.draft)
    computed_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    appeal_until: Mapped[date | None]
    entries: Mapped[list[ListEntry]] = relationship(back_populates="period", order_by="ListEntry.id")


class ListEntry(TimestampMixin, db.Model):
    __tablename__ = "list_entries"
    __table_args__ = (
        UniqueConstraint("period_id", "organization_id"),
        CheckConstraint("removed_at IS NULL OR removed_reason IS NOT NULL", name="removal_has_reason"),
        CheckConstraint("kind = 'red' OR ban_until IS NOT NULL", name="black_has_ban"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # (period_id, organization_id) is unique: its index serves the lookups by period too; no index on
    # kind (two values) — fewer indexes to fill when a quarter's list is computed
    period_id: Mapped[int] = mapped_column(ForeignKey("list_periods.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[ListKind] = mapped_column(enum_column(ListKind))
    reason: Mapped[str] = mapped_column(Text)
    credit: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    ban_until: Mapped[date | None]
    removed_at: Mapped[datetime | None]
    removed_reason: Mapped[str | None] = mapped_column(Text)
    period: Mapped[ListPeriod] = relationship(back_populates="entries")
    organization = relationship("Organization")
    appeals: Mapped[list[Appeal]] = relationship(back_populates="entry", order_by="Appeal.id")


class Appeal(TimestampMixin, db.Model):
    """An appeal during the window, or a request for credit repair after the fault was corrected."""

    __tablename__ = "appeals"
    __table_args__ = (CheckConstraint("status = 'pending' OR decision_reason IS NOT NULL", name="decided_has_reason"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("list_entries.id"), index=True)
    repair: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    status: Mapped[AppealStatus] = mapped_column(enum_column(AppealStatus), default=AppealStatus.pending)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    entry: Mapped[ListEntry] = relationship(back_populates="appeals")


class ExemplaryProposal(TimestampMixin, db.Model):
    """Red in consecutive periods with a grade ≥ 4A → proposed as 示范性社会组织; the district confirms."""

    __tablename__ = "exemplary_proposals"
    __table_args__ = (UniqueConstraint("period_id", "organization_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("list_periods.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    confirmed_at: Mapped[datetime | None]
    organization = relationship("Organization")
    period = relationship("ListPeriod")
