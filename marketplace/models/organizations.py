"""Social organizations (社会组织): identity, standing and the records the district keeps on them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, CheckConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.orm import TimestampMixin, enum_column
from marketplace.models.enums import Alliance, Grade, NationalList, OrgType, VerificationStatus
from marketplace.models.geography import Category, Street

organization_categories = Table(
    "organization_categories",
    db.metadata,
    Column("organization_id", ForeignKey("organizations.id"), primary_key=True),
    Column("category_id", ForeignKey("categories.id"), primary_key=True),
)

organization_streets = Table(
    "organization_streets",
    db.metadata,
    Column("organization_id", ForeignKey("organizations.id"), primary_key=True),
    Column("street_id", ForeignKey("streets.id"), primary_key=True),
)


class Organization(TimestampMixin, db.Model):
    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint(
            "(grade IS NULL) = (grade_valid_from IS NULL) AND (grade IS NULL) = (grade_valid_until IS NULL)",
            name="grade_has_validity",
        ),
        CheckConstraint("grade_valid_until IS NULL OR grade_valid_until >= grade_valid_from",
                        name="grade_validity_ordered"),
        CheckConstraint("status <> 'rejected' OR status_reason IS NOT NULL", name="rejection_reason"),
        CheckConstraint("(status = 'verified') = (verified_at IS NOT NULL)", name="verified_at_iff_verified"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    org_type: Mapped[OrgType] = mapped_column(enum_column(OrgType))
    registered_on: Mapped[date]
    legal_representative: Mapped[str] = mapped_column(String(64))
    contact_name: Mapped[str] = mapped_column(String(64))
    contact_phone: Mapped[str] = mapped_column(String(32))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    alliance: Mapped[Alliance | None] = mapped_column(enum_column(Alliance))

    status: Mapped[VerificationStatus] = mapped_column(
        enum_column(VerificationStatus), default=VerificationStatus.pending, index=True
    )
    status_reason: Mapped[str | None] = mapped_column(String(500))
    verified_at: Mapped[datetime | None]

    # Official rating (等级评估) with its validity; an expired grade counts as none.
    grade: Mapped[Grade | None] = mapped_column(enum_column(Grade))
    grade_valid_from: Mapped[date | None]
    grade_valid_until: Mapped[date | None]
    grade_review_reason: Mapped[str | None] = mapped_column(String(500))  # set by a black listing

    categories: Mapped[list[Category]] = relationship(
        secondary=organization_categories, order_by="Category.id"
    )
    streets: Mapped[list[Street]] = relationship(
        secondary=organization_streets, order_by="Street.id"
    )
    users: Mapped[list[User]] = relationship(back_populates="organization")  # noqa: F821
    national_list_entries: Mapped[list[NationalListEntry]] = relationship(
        back_populates="organization", order_by="NationalListEntry.listed_on.desc()"
    )

    def __str__(self) -> str:
        return self.name


class NationalListEntry(TimestampMixin, db.Model):
    """An entry on a national list (活动异常名录 / 严重违法失信名单), recorded by the district
    from an official source. Never deleted: removal sets removed_on."""

    __tablename__ = "national_list_entries"
    __table_args__ = (
        CheckConstraint("removed_on IS NULL OR removed_on >= listed_on", name="dates_ordered"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[NationalList] = mapped_column(enum_column(NationalList))
    listed_on: Mapped[date]
    removed_on: Mapped[date | None]
    source: Mapped[str] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(String(500))
    organization: Mapped[Organization] = relationship(back_populates="national_list_entries")

    def active_on(self, day: date) -> bool:
        return self.listed_on <= day and (self.removed_on is None or day < self.removed_on)

    def __str__(self) -> str:
        return f"{self.kind.label} {self.listed_on}"
