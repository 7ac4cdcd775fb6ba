"""In-app notifications; the text is rendered in the reader's language from kind + params."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.orm import TimestampMixin


class Notification(TimestampMixin, db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(48))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    link: Mapped[str] = mapped_column(String(255))
    read_at: Mapped[datetime | None]


class Follow(TimestampMixin, db.Model):
    """Someone following a need or a project: a signed-in person (told in-app and by mail when they
    have an address) or an e-mail address, which counts once its owner has confirmed it through the
    link mailed to it. The token is that link's and the unsubscribe link's secret."""

    __tablename__ = "follows"
    __table_args__ = (
        CheckConstraint("(project_id IS NULL) <> (need_id IS NULL)", name="follow_one_subject"),
        CheckConstraint("(user_id IS NULL) <> (email IS NULL)", name="follow_person_or_address"),
        Index("ix_follows_project", "project_id"),
        Index("ix_follows_need", "need_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    confirmed_at: Mapped[datetime | None]
