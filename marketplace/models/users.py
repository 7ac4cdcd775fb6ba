"""Accounts. A user has exactly one role and, where the role needs one, exactly one scope."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.orm import TimestampMixin, enum_column
from marketplace.models.enums import AffiliationKind, Role
from marketplace.models.geography import Community, Department, Street


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role <> 'secretary' OR community_id IS NOT NULL", name="secretary_scope"),
        CheckConstraint("role <> 'street' OR street_id IS NOT NULL", name="street_scope"),
        CheckConstraint(
            "role <> 'organization' OR organization_id IS NOT NULL", name="organization_scope"
        ),
        CheckConstraint("role <> 'department' OR department_id IS NOT NULL", name="dept_scope"),
        CheckConstraint("session_version >= 1", name="session_version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on logout and password change: every older session cookie stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[datetime | None]
    # two-factor sign-in (TOTP, RFC 6238): the shared secret (base32), when it was switched on, and the
    # last time step accepted (a code is never accepted twice)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)

    community: Mapped[Community | None] = relationship()
    street: Mapped[Street | None] = relationship()
    organization: Mapped[Organization | None] = relationship(back_populates="users")  # noqa: F821
    department: Mapped[Department | None] = relationship()
    expert_profile: Mapped[ExpertProfile | None] = relationship(
        back_populates="user", uselist=False
    )
    affiliations: Mapped[list[Affiliation]] = relationship(back_populates="user")
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(back_populates="user", order_by="RecoveryCode.id")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login stores this in the session
        return f"{self.id}:{self.session_version}"

    @property
    def scope_label(self) -> str:
        scope = self.community or self.street or self.organization or self.department
        return str(scope) if scope else ""

    def __str__(self) -> str:
        return f"{self.display_name} ({self.username})"


class RecoveryCode(TimestampMixin, db.Model):
    """A single-use code that replaces a TOTP code when the phone is lost. Only its SHA-256 is kept
    (the codes carry 80 random bits, so the digest cannot be reversed); shown once, when made."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None]
    user: Mapped[User] = relationship(back_populates="recovery_codes")


class ExpertProfile(db.Model):
    """Experts and third-party evaluators: their fields, for assignment and matching."""

    __tablename__ = "expert_profiles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    title: Mapped[str | None] = mapped_column(String(64))
    employer: Mapped[str | None] = mapped_column(String(128))
    fields: Mapped[str] = mapped_column(String(255), default="")
    third_party: Mapped[bool] = mapped_column(Boolean, default=False)
    bio: Mapped[str | None] = mapped_column(Text)
    user: Mapped[User] = relationship(back_populates="expert_profile")

    def __str__(self) -> str:
        return self.user.display_name


class Affiliation(TimestampMixin, db.Model):
    """A tie between a person and an organization (membership, employment, board seat, control).
    The award panel's conflict check reads these; ended ties count for the configured look-back."""

    __tablename__ = "affiliations"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="dates_ordered"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[AffiliationKind] = mapped_column(enum_column(AffiliationKind))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(String(255))
    user: Mapped[User] = relationship(back_populates="affiliations")
    organization: Mapped[Organization] = relationship()  # noqa: F821
