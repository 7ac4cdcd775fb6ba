"""社区书记点单会: ordering meetings, the items presented with their roadshow slots (路演宣讲) and
capacity, the secretaries' shortlists and the communities' orders (按需取用)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.enums import MeetingStatus, OrderOutcome, OrderStatus
from marketplace.models.geography import Community, Street
from marketplace.orm import TimestampMixin, enum_column

meeting_communities = Table(
    "meeting_communities",
    db.metadata,
    Column("meeting_id", ForeignKey("ordering_meetings.id"), primary_key=True),
    Column("community_id", ForeignKey("communities.id"), primary_key=True),
)

order_needs = Table(
    "order_needs",
    db.metadata,
    Column("order_id", ForeignKey("service_orders.id"), primary_key=True),
    Column("need_id", ForeignKey("needs.id"), primary_key=True),
)


class OrderingMeeting(TimestampMixin, db.Model):
    """A 点单会 scheduled by the district (street_id NULL) or by a street."""

    __tablename__ = "ordering_meetings"
    __table_args__ = (
        CheckConstraint("orders_close_at > starts_at", name="orders_close_after_start"),
        CheckConstraint("(status = 'cancelled') = (cancel_reason IS NOT NULL)", name="cancelled_has_reason"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)  # NULL: the district
    starts_at: Mapped[datetime] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(String(200))
    orders_close_at: Mapped[datetime]
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[MeetingStatus] = mapped_column(enum_column(MeetingStatus), default=MeetingStatus.scheduled)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    street: Mapped[Street | None] = relationship()
    communities: Mapped[list[Community]] = relationship(secondary=meeting_communities, order_by="Community.id")
    items: Mapped[list[MeetingItem]] = relationship(back_populates="meeting", order_by="MeetingItem.slot_at, MeetingItem.id")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class MeetingItem(TimestampMixin, db.Model):
    """A service item presented at a meeting: its roadshow slot and the capacity offered there."""

    __tablename__ = "meeting_items"
    __table_args__ = (
        UniqueConstraint("meeting_id", "item_id"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("slot_minutes > 0", name="slot_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("ordering_meetings.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"), index=True)
    slot_at: Mapped[datetime]
    slot_minutes: Mapped[int] = mapped_column(Integer, default=10)
    capacity: Mapped[int] = mapped_column(Integer)  # per month, in the item's unit, offered at this meeting

    meeting: Mapped[OrderingMeeting] = relationship(back_populates="items")
    item = relationship("ServiceItem")


class Shortlist(TimestampMixin, db.Model):
    """A community's shortlist of presented items, made before the meeting."""

    __tablename__ = "meeting_shortlists"
    __table_args__ = (UniqueConstraint("meeting_item_id", "community_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_item_id: Mapped[int] = mapped_column(ForeignKey("meeting_items.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class ServiceOrder(TimestampMixin, db.Model):
    """A community's order of a presented item: so many units a month for so many months, the needs it
    answers, the budget from the community fund; accepted or declined (with a reason) by the
    organization; what it became (a commissioned or a draft project)."""

    __tablename__ = "service_orders"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("months > 0 AND months <= 12", name="months_range"),
        CheckConstraint("budget > 0", name="budget_positive"),
        CheckConstraint("status <> 'declined' OR decision_reason IS NOT NULL", name="declined_has_reason"),
        CheckConstraint("status IN ('placed', 'cancelled') OR decided_at IS NOT NULL", name="decided_has_time"),
        CheckConstraint("(outcome IS NULL) = (project_id IS NULL)", name="outcome_iff_project"),
        CheckConstraint("status = 'accepted' OR project_id IS NULL", name="project_only_when_accepted"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("ordering_meetings.id"), index=True)
    meeting_item_id: Mapped[int] = mapped_column(ForeignKey("meeting_items.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    quantity: Mapped[int] = mapped_column(Integer)  # per month, in the item's unit
    months: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date]
    budget: Mapped[Decimal] = mapped_column(Numeric(12, 2))  # yuan, from the community fund
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus), default=OrderStatus.placed, index=True)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    outcome: Mapped[OrderOutcome | None] = mapped_column(enum_column(OrderOutcome))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    meeting: Mapped[OrderingMeeting] = relationship()
    meeting_item: Mapped[MeetingItem] = relationship()
    item = relationship("ServiceItem")
    organization = relationship("Organization")
    community: Mapped[Community] = relationship()
    project = relationship("Project")
    needs = relationship("Need", secondary=order_needs, order_by="Need.id")

    def __str__(self) -> str:
        return self.code
