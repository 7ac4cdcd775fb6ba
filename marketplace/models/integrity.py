"""廉洁监督: integrity flags found by the scan, examined by the supervisor. A flag is a signal for a
person to look at, never a sanction; it stays on record whatever is decided."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Integer, LargeBinary, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.enums import FlagStatus, Severity, Signal
from marketplace.orm import TimestampMixin, enum_column

flag_projects = Table(
    "integrity_flag_projects",
    db.metadata,
    Column("flag_id", ForeignKey("integrity_flags.id"), primary_key=True),
    Column("project_id", ForeignKey("projects.id"), primary_key=True, index=True),
)


class IntegrityFlag(TimestampMixin, db.Model):
    """One finding: its signal, how strong (`measure`, the number it is sorted by), the evidence
    (numbers and rows as found by the last scan that saw it) and what the supervisor decided."""

    __tablename__ = "integrity_flags"
    __table_args__ = (
        CheckConstraint("(status = 'open') = (decided_at IS NULL)", name="decided_iff_not_open"),
        CheckConstraint("status = 'open' OR (decision_reason IS NOT NULL AND decided_by_id IS NOT NULL)",
                        name="decision_has_reason"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # the finding's identity: the signal and its subjects (members, organizations, tender), so a new scan
    # updates the same flag instead of raising it again
    key: Mapped[str] = mapped_column(String(120), unique=True)
    signal: Mapped[Signal] = mapped_column(enum_column(Signal), index=True)
    severity: Mapped[Severity] = mapped_column(enum_column(Severity), index=True)
    status: Mapped[FlagStatus] = mapped_column(enum_column(FlagStatus), default=FlagStatus.open, index=True)
    measure: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)  # the numbers the summary sentence names
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)  # rows of the evidence table, chart series
    user_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # the people concerned (panel members)
    organization_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    first_found_at: Mapped[datetime]
    last_found_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    referred_to: Mapped[str | None] = mapped_column(String(200))

    projects = relationship("Project", secondary=flag_projects, order_by="Project.id")
    decided_by = relationship("User")


class FlagLook(TimestampMixin, db.Model):
    """A supervisor opened a flag's evidence, with the reason (each look is on the chain too)."""

    __tablename__ = "integrity_flag_looks"
    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("integrity_flags.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    opened_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(500))


class LetterShingles(db.Model):
    """An intent letter cut into word shingles, kept by the letter's digest (its text and the way it was
    cut, `signals.letter_digest`), so the next scan does not cut it again: a letter no longer changes once
    its tender's bidding closed, and identical letters share one row. A cache, not a record — the scan
    adds what is new and drops what no bid uses any more."""

    __tablename__ = "integrity_letter_shingles"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    hashes: Mapped[bytes] = mapped_column(LargeBinary)  # sorted 32-bit hashes, little-endian
