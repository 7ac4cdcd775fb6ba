"""The hash chain (过程留痕). Every state change appends one entry; `verify_chain` proves that no
entry was edited, deleted or reordered since it was written.

hash_n = SHA-256( prev_hash ‖ canonical JSON of (seq, time, actor, action, subject, payload digest) )
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text

from marketplace.domain.core import clock
from marketplace.extensions import db
from marketplace.models import AuditEntry

GENESIS = "0" * 64


def canonical(data: Any) -> bytes:
    """THE canonical JSON of the platform (chain entries, checkpoints, receipts): UTF-8, object keys
    sorted, no whitespace, non-ASCII characters as themselves (not \\u escapes); values are strings,
    integers, booleans and null only (amounts are strings such as "56000.00"). For such data this is
    the JSON Canonicalization Scheme (RFC 8785); in Python:
    json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str).encode()


_canonical = canonical


def digest(data: Any) -> str:
    return hashlib.sha256(_canonical(data)).hexdigest()


def entry_hash(entry: Any) -> str:
    body = {
        "seq": entry.seq,
        "at": entry.created_at.isoformat(timespec="microseconds"),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "subject": [entry.subject_type, entry.subject_id],
        "payload": entry.payload_digest,
    }
    return hashlib.sha256(entry.prev_hash.encode() + _canonical(body)).hexdigest()


def subject_ref(subject: Any) -> tuple[str, int | None]:
    if subject is None:
        return ("system", None)
    if isinstance(subject, tuple):
        return subject
    return (subject.__tablename__, subject.id)


def _lock_chain() -> None:
    """Serialise appenders for the rest of the transaction so the chain never forks.
    PostgreSQL: a transaction-scoped advisory lock. SQLite serialises writers itself; the UNIQUE
    constraints on seq and prev_hash are the last line of defence on both."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(7301)"))


def append(actor: Any, action: str, subject: Any = None, payload: dict[str, Any] | None = None) -> AuditEntry:
    """Record one state change. The caller's transaction commits it together with the change."""
    db.session.flush()  # the subject needs its id
    _lock_chain()
    last = db.session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    subject_type, subject_id = subject_ref(subject)
    payload = payload or {}
    actor_id = getattr(actor, "id", None) if actor is not None else None
    entry = AuditEntry(
        seq=(last.seq + 1) if last else 1,
        created_at=clock.now(),
        actor_id=actor_id,
        actor_label=(actor.username if actor_id else str(actor or "system")),
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        payload=json.loads(_canonical(payload)),
        payload_digest=digest(payload),
        prev_hash=last.hash if last else GENESIS,
    )
    entry.hash = entry_hash(entry)
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass
class ChainReport:
    ok: bool
    count: int
    head: str
    bad_seq: int | None = None
    problem: str = ""


def verify_chain(batch: int = 5000) -> ChainReport:
    """Walk the chain in order; report the first entry whose link, hash or payload does not hold."""
    prev, expected_seq, count = GENESIS, 1, 0
    last_seq = 0
    while True:
        rows = db.session.execute(  # plain rows, not ORM objects: constant memory on long chains
            select(*AuditEntry.__table__.columns)
            .where(AuditEntry.seq > last_seq).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            break
        for entry in rows:
            if entry.seq != expected_seq:
                return ChainReport(False, count, prev, expected_seq,
                                   f"entry #{expected_seq} is missing (next is #{entry.seq})")
            if entry.prev_hash != prev:
                return ChainReport(False, count, prev, entry.seq,
                                   f"entry #{entry.seq} does not link to the entry before it")
            if digest(entry.payload) != entry.payload_digest:
                return ChainReport(False, count, prev, entry.seq,
                                   f"entry #{entry.seq} has a payload that does not match its digest")
            if entry_hash(entry) != entry.hash:
                return ChainReport(False, count, prev, entry.seq,
                                   f"entry #{entry.seq} was altered (its hash does not match)")
            prev, expected_seq, count = entry.hash, entry.seq + 1, count + 1
            last_seq = entry.seq
    return ChainReport(True, count, prev)


def head() -> tuple[int, str]:
    row = db.session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def timeline(subject: Any, limit: int = 200) -> list[AuditEntry]:
    subject_type, subject_id = subject_ref(subject)
    return list(db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id)
        .order_by(AuditEntry.seq)
        .limit(limit)
    ))
