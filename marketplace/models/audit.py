"""The append-only, hash-chained log of every state change (过程留痕)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    # a subject's entries; with the action and seq in the index, "the last entry that changed each of
    # these projects" (the OCDS release ids) is read from the index alone
    __table_args__ = (Index("ix_audit_entries_subject_action_seq", "subject_type", "subject_id", "action", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[int | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # format 2: `payload` is what the public may see (with the digests of the business rows written);
    # the actor and personal or sealed details are in `private`, committed to by `private_digest`
    # (salted with the random `nonce`, so a digest of a short value cannot be guessed)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    private: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    private_digest: Mapped[str | None] = mapped_column(String(64))
    nonce: Mapped[str | None] = mapped_column(String(32))

    actor = relationship("User")


class AuditRow(db.Model):
    """Index of the business-row digests carried in the entries' payloads (`payload["rows"]`), so that
    `flask audit verify --deep` walks each table against its latest recorded digest in bounded memory."""

    __tablename__ = "audit_rows"
    __table_args__ = (Index("ix_audit_rows_row", "row_table", "row_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    row_table: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))


# Append-only in the database itself: UPDATE and DELETE on the chain are refused by triggers (created
# with the tables here and by the migration); the ORM listeners below give a clear error earlier.
GUARDED = ("audit_entries", "audit_rows")
_PG_FUNCTION = ("CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END $$")


def guard_statements(dialect: str, table: str, create: bool = True) -> list[str]:
    """The SQL creating (or dropping) the triggers that refuse UPDATE and DELETE on a chain table."""
    if dialect == "postgresql":
        if create:
            return [_PG_FUNCTION, f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                                  "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"]
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]
    if create:
        return [f"CREATE TRIGGER {table}_no_{op} BEFORE {op.upper()} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END" for op in ("update", "delete")]
    return [f"DROP TRIGGER IF EXISTS {table}_no_{op}" for op in ("update", "delete")]


for _model in (AuditEntry, AuditRow):
    for _dialect in ("postgresql", "sqlite"):
        for _statement in guard_statements(_dialect, _model.__tablename__):
            event.listen(_model.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))


class AppendOnlyViolation(RuntimeError):
    pass


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(*_args: object) -> None:
    raise AppendOnlyViolation("audit entries are append-only")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(*_args: object) -> None:
    raise AppendOnlyViolation("audit entries are append-only")


@event.listens_for(AuditRow, "before_update")
def _refuse_row_update(*_args: object) -> None:
    raise AppendOnlyViolation("audit rows are append-only")


@event.listens_for(AuditRow, "before_delete")
def _refuse_row_delete(*_args: object) -> None:
    raise AppendOnlyViolation("audit rows are append-only")
