"""A large export (CSV or Excel) prepared off the request: what was asked, by whom, how far it has got."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.models.enums import ExportStatus
from marketplace.orm import TimestampMixin, enum_column


class ExportJob(TimestampMixin, db.Model):
    __tablename__ = "export_jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # unguessable: the link is the key
    table: Mapped[str] = mapped_column(String(32))  # which list (export_jobs.TABLES)
    query: Mapped[str] = mapped_column(Text, default="")  # the list's filters, as a query string
    format: Mapped[str] = mapped_column(String(8), default="xlsx", server_default="xlsx")  # "csv" or "xlsx"
    locale: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: asked for without signing in
    status: Mapped[ExportStatus] = mapped_column(enum_column(ExportStatus), default=ExportStatus.queued)
    total: Mapped[int] = mapped_column(default=0)
    done_rows: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[datetime | None]
