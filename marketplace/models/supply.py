"""资源清单: organizations' service items (服务项目), their photos, and the streets they cover."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.enums import PriceBasis, ServiceStatus
from marketplace.models.geography import Category, Street
from marketplace.models.search import searchable
from marketplace.orm import TimestampMixin, enum_column

service_item_streets = Table(
    "service_item_streets",
    db.metadata,
    Column("service_item_id", ForeignKey("service_items.id"), primary_key=True),
    Column("street_id", ForeignKey("streets.id"), primary_key=True),
)


class ServiceItem(TimestampMixin, db.Model):
    """One service an organization offers, at a reference price, up to a monthly capacity. Its track
    record (projects in the category, 考榜 grades, credit, list standing) is computed, never typed."""

    __tablename__ = "service_items"
    __table_args__ = (
        UniqueConstraint("organization_id", "name"),
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("monthly_capacity > 0", name="capacity_positive"),
        CheckConstraint("status <> 'returned' OR return_reason IS NOT NULL", name="returned_has_reason"),
        CheckConstraint("status NOT IN ('listed', 'paused') OR listed_at IS NOT NULL", name="listed_has_time"),
        CheckConstraint("(status = 'retired') = (retired_at IS NOT NULL)", name="retired_iff_time"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)          # what is delivered
    audience: Mapped[str] = mapped_column(String(200))      # who it is for
    whole_district: Mapped[bool] = mapped_column(Boolean, default=False)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))  # reference price, yuan
    price_basis: Mapped[PriceBasis] = mapped_column(enum_column(PriceBasis), default=PriceBasis.per_unit)
    price_unit: Mapped[str] = mapped_column(String(20))     # 次, 人次, 月, 期 …
    monthly_capacity: Mapped[int] = mapped_column(Integer)
    team: Mapped[str | None] = mapped_column(Text)           # team and qualifications
    brochure_name: Mapped[str | None] = mapped_column(String(64))  # stored PDF (random name)
    status: Mapped[ServiceStatus] = mapped_column(enum_column(ServiceStatus), default=ServiceStatus.draft,
                                                  index=True)
    return_reason: Mapped[str | None] = mapped_column(String(500))
    submitted_at: Mapped[datetime | None]
    listed_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    search_text: Mapped[str | None] = mapped_column(Text)

    organization = relationship("Organization")
    category: Mapped[Category] = relationship()
    streets: Mapped[list[Street]] = relationship(secondary=service_item_streets, order_by="Street.id")
    photos: Mapped[list[ServiceItemPhoto]] = relationship(back_populates="item", order_by="ServiceItemPhoto.id")

    def covers(self, street_id: int | None) -> bool:
        return self.whole_district or any(s.id == street_id for s in self.streets)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


searchable(ServiceItem.__table__)


class ServiceItemPhoto(TimestampMixin, db.Model):
    """A photo of a service item, re-encoded without metadata, stored under a random name (public once listed)."""

    __tablename__ = "service_item_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    item: Mapped[ServiceItem] = relationship(back_populates="photos")
