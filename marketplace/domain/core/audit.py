"""The hash chain (过程留痕). Every state change appends one entry; `verify_chain` proves that no
entry was edited, deleted or reordered since it was written, `verify_rows` that the business rows an
entry recorded (bids, receipts, scores, awards, evaluations, credit events, lists, settings) still
match their digests.

Format 2 (every new entry), with canonical JSON (`canonical`) throughout:

    hash_n = SHA-256( prev_hash ‖ canonical({"v": 2, "seq", "at", "action", "subject": [type, id],
                                             "payload": SHA-256(canonical(public payload)),
                                             "private": SHA-256(canonical({"nonce", "actor", "data"}))}) )

The public payload is what anyone may see (it carries `rows`: {"table:id": row digest}); the actor and
every other detail (personal data, free text) is private, committed to by its salted digest, so the
public chain (/audit/chain.json) shows digests in their place and its hashes still verify.
Format 1 (entries written before): hash over {seq, at, actor, actor_label, action, subject, payload}.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Integer, Numeric, String, Text, select, text

from marketplace.domain.core import clock
from marketplace.extensions import db
from marketplace.models import AuditEntry, AuditRow

GENESIS = "0" * 64
VERSION = 2

# payload keys anyone may read in the public chain (everything else is private: names, contacts,
# free text, who did it); per action, a few more that the public pages show anyway
PUBLIC_KEYS = frozenset({
    "project", "code", "bid", "digest", "rows", "bid_deadline", "qa_deadline", "budget_cap", "criteria",
    "regime", "eligible_bids", "notice_ends_on", "process", "ended", "needs", "need", "period", "count", "size",
    "roles", "position", "milestone", "objection", "intervention", "entry", "kind", "grade", "valid", "red",
    "black", "entries", "group", "into", "duplicate", "threshold", "at", "from", "to", "category", "status",
    "party", "total", "mean", "amount", "points", "eligible", "round",
})
PUBLIC_BY_ACTION = {
    "rules.changed": {"changes"}, "project.awarded": {"reason", "winner"},
    "project.commissioned": {"reason", "winner"}, "meeting.cancelled": {"reason"}, "order.declined": {"reason"},
    "meeting.scheduled": {"title", "starts_at", "place", "communities"},
    "meeting.item_presented": {"item", "slot_at", "capacity"},
    "order.placed": {"item", "community", "quantity", "months", "budget", "organization"},
    "order.accepted": {"outcome"}, "project.withdrawn": {"reason"},
    "project.award_withdrawn": {"reason"}, "project.award_reopened": {"reason"},
    "award.objection_upheld": {"reason"}, "award.objection_rejected": {"reason"},
    "project.question_asked": {"question"}, "service.paused": {"reason"}, "service.retired": {"reason"}, "project.question_answered": {"question", "answer"},
}


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
    return hashlib.sha256(canonical(data)).hexdigest()


def entry_hash(entry: Any) -> str:
    if (entry.version or 1) >= 2:
        body = {
            "v": entry.version, "seq": entry.seq, "at": entry.created_at.isoformat(timespec="microseconds"),
            "action": entry.action, "subject": [entry.subject_type, entry.subject_id],
            "payload": entry.payload_digest, "private": entry.private_digest,
        }
    else:
        body = {
            "seq": entry.seq,
            "at": entry.created_at.isoformat(timespec="microseconds"),
            "actor": entry.actor_id,
            "actor_label": entry.actor_label,
            "action": entry.action,
            "subject": [entry.subject_type, entry.subject_id],
            "payload": entry.payload_digest,
        }
    return hashlib.sha256(entry.prev_hash.encode() + canonical(body)).hexdigest()


def private_digest(nonce: str, private: dict[str, Any] | None) -> str:
    return digest({"nonce": nonce, **(private or {})})


def subject_ref(subject: Any) -> tuple[str, int | None]:
    if subject is None:
        return ("system", None)
    if isinstance(subject, tuple):
        return subject
    return (subject.__tablename__, subject.id)


# --- business rows ------------------------------------------------------------------------------------

ROW_DOCUMENTS: dict[str, Callable[[Any], dict[str, Any]]] = {}


def row_document(table: str) -> Callable:
    """Register how a table's row is written down for its digest (decorator)."""
    def register(fn: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
        ROW_DOCUMENTS[table] = fn
        return fn
    return register


def plain(value: Any, column: Any = None) -> Any:
    """A column value in canonical form: amounts at the column's scale as strings ("56000.00"),
    times in UTC to the microsecond, dates ISO, enums by value."""
    if value is None:
        return None
    if isinstance(value, Enum):
        return value.value
    if column is not None and isinstance(column.type, Numeric) and column.type.scale is not None:
        return str(Decimal(str(value)).quantize(Decimal(1).scaleb(-column.type.scale)))
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.loads(canonical(value))
    return value


def rows_document(columns: Iterable[Any], rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Many rows (tuples of the columns' values, in the columns' order) exactly as `plain` writes each
    value, quickly:
    columns of plain integer or text type are taken as they are (what `plain` returns for them); the
    others go through `plain` once per distinct value (it is pure; the type is part of the key, and
    unscaled decimals, whose text keeps their own scale, are not remembered) — a period of the
    red/black list has hundreds of thousands of entries sharing a handful of values."""
    as_is = (Integer, String, Text)
    kept: list[tuple[str, Any, dict | None]] = []
    for c in columns:
        if type(c.type) in as_is:
            kept.append((c.key, None, None))
        else:
            remember = not isinstance(c.type, Numeric) or c.type.scale is not None
            kept.append((c.key, c, {} if remember else None))

    def written(value: Any, column: Any, memo: dict | None) -> Any:
        if memo is None or value is None:
            return plain(value, column)
        key = (type(value), value)
        try:
            return memo[key]
        except KeyError:
            memo[key] = result = plain(value, column)
            return result
        except TypeError:  # not hashable (JSON)
            return plain(value, column)

    return [{key: value if column is None else written(value, column, memo)
             for (key, column, memo), value in zip(kept, row)} for row in rows]


def columns_document(obj: Any, exclude: Iterable[str] = ()) -> dict[str, Any]:
    skip = set(exclude)
    return {c.key: plain(getattr(obj, c.key), c) for c in obj.__table__.columns if c.key not in skip}


def row_key(obj: Any) -> tuple[str, str]:
    table = obj.__tablename__
    ident = getattr(obj, "id", None)
    if ident is None:  # settings are keyed by name
        ident = getattr(obj, "key")
    return table, str(ident)


def row_digest(nonce: str, table: str, row_id: str, document: dict[str, Any]) -> str:
    return digest({"nonce": nonce, "table": table, "id": row_id, "row": document})


def _lock_chain() -> None:
    """Serialise appenders for the rest of the transaction so the chain never forks.
    PostgreSQL: a transaction-scoped advisory lock. SQLite serialises writers itself; the UNIQUE
    constraints on seq and prev_hash are the last line of defence on both."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(7301)"))


def append(actor: Any, action: str, subject: Any = None, payload: dict[str, Any] | None = None,
           rows: Iterable[Any] = ()) -> AuditEntry:
    """Record one state change with the digests of the business rows it wrote (`rows`, and the
    subject itself when its table is one whose rows are chained). The caller's transaction commits it."""
    db.session.flush()  # the subject and the rows need their ids
    _lock_chain()
    last = db.session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    subject_type, subject_id = subject_ref(subject)
    data = json.loads(canonical(payload or {}))
    allowed = PUBLIC_KEYS | PUBLIC_BY_ACTION.get(action, set())
    public = {k: v for k, v in data.items() if k in allowed}
    hidden = {k: v for k, v in data.items() if k not in allowed}
    actor_id = getattr(actor, "id", None) if actor is not None else None
    actor_label = actor.username if actor_id else str(actor or "system")
    nonce = secrets.token_hex(16)
    objects = list(rows)
    if subject is not None and not isinstance(subject, tuple) and subject_type in ROW_DOCUMENTS \
            and all(o is not subject for o in objects):
        objects.insert(0, subject)
    recorded: dict[str, str] = {}
    for obj in objects:
        table, ident = row_key(obj)
        recorded[f"{table}:{ident}"] = row_digest(nonce, table, ident, ROW_DOCUMENTS[table](obj))
    if recorded:
        public["rows"] = recorded
    private = {"actor": [actor_id, actor_label], "data": hidden}
    seq = (last.seq + 1) if last else 1
    entry = AuditEntry(
        seq=seq, created_at=clock.now(), actor_id=actor_id, actor_label=actor_label, action=action,
        subject_type=subject_type, subject_id=subject_id, payload=public, payload_digest=digest(public),
        prev_hash=last.hash if last else GENESIS, version=VERSION, private=private, nonce=nonce,
        private_digest=private_digest(nonce, private),
    )
    entry.hash = entry_hash(entry)
    db.session.add(entry)
    for key, value in recorded.items():
        table, ident = key.split(":", 1)
        db.session.add(AuditRow(seq=seq, row_table=table, row_id=ident, digest=value))
    db.session.flush()
    return entry


def details(entry: Any) -> dict[str, Any]:
    """Everything an entry recorded (public and private), for the platform's own pages."""
    return {**(entry.payload or {}), **((entry.private or {}).get("data") or {})}


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
            if (entry.version or 1) >= 2 and (
                    private_digest(entry.nonce or "", entry.private) != entry.private_digest
                    or (entry.private or {}).get("actor") != [entry.actor_id, entry.actor_label]):
                return ChainReport(False, count, prev, entry.seq,
                                   f"entry #{entry.seq} has private details that do not match their digest")
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


# --- deep verification: the business rows against their latest recorded digests ---------------------

@dataclass
class RowReport:
    ok: bool
    checked: int
    problems: list[str]


def _table_rows(table: str, after: Any, batch: int) -> list[Any]:
    model = next(m.class_ for m in db.Model.registry.mappers if m.class_.__tablename__ == table)
    key = model.id if hasattr(model, "id") else model.key
    query = select(model).order_by(key).limit(batch)
    if after is not None:
        query = query.where(key > after)
    return list(db.session.scalars(query))


def verify_rows(batch: int = 500, limit: int = 20) -> RowReport:
    """Recompute every chained table's row digests and compare each with the latest digest an entry
    recorded for it; also check that the row index matches the entries' public payloads. Streams in
    batches: memory stays bounded whatever the size of the tables and of the chain."""
    problems: list[str] = []
    checked = 0
    # 1. the index of row digests says what the (hashed) payloads say
    last_seq = 0
    while len(problems) < limit:
        entries = db.session.execute(select(AuditEntry.seq, AuditEntry.payload).where(AuditEntry.seq > last_seq)
                                     .order_by(AuditEntry.seq).limit(batch * 10)).all()
        if not entries:
            break
        low, high = entries[0].seq, entries[-1].seq
        indexed: dict[int, dict[str, str]] = {}
        for r in db.session.execute(select(AuditRow.seq, AuditRow.row_table, AuditRow.row_id, AuditRow.digest)
                                    .where(AuditRow.seq >= low, AuditRow.seq <= high)):
            indexed.setdefault(r.seq, {})[f"{r.row_table}:{r.row_id}"] = r.digest
        for e in entries:
            if (e.payload or {}).get("rows", {}) != indexed.get(e.seq, {}):
                problems.append(f"the row index of entry #{e.seq} does not match the entry")
        last_seq = high
    # 2. every chained row against the latest digest recorded for it
    for table, document in ROW_DOCUMENTS.items():
        after = None
        while len(problems) < limit:
            rows = _table_rows(table, after, batch)
            if not rows:
                break
            keys = [row_key(r)[1] for r in rows]
            latest: dict[str, Any] = {}
            for r in db.session.execute(select(AuditRow.row_id, AuditRow.seq, AuditRow.digest, AuditEntry.nonce)
                                        .join(AuditEntry, AuditEntry.seq == AuditRow.seq)
                                        .where(AuditRow.row_table == table, AuditRow.row_id.in_(keys))
                                        .order_by(AuditRow.seq)):
                latest[r.row_id] = r
            for obj, ident in zip(rows, keys):
                checked += 1
                found = latest.get(ident)
                if found is None:
                    problems.append(f"{table} #{ident} is not recorded in the chain")
                elif row_digest(found.nonce or "", table, ident, document(obj)) != found.digest:
                    problems.append(f"{table} #{ident} no longer matches its digest recorded in entry #{found.seq}")
            after = getattr(rows[-1], "id", None) if hasattr(rows[-1], "id") else rows[-1].key
    return RowReport(not problems, checked, problems[:limit])


# --- the public chain ------------------------------------------------------------------------------

def public_entries(after: int, limit: int) -> list[dict[str, Any]]:
    """Entries after `after` as anyone may see them: the public payload (format 2) and the digests in
    place of the actor and the private details, so every hash still verifies. Format-1 entries keep
    their actor (it is part of their hash) but not their payload."""
    columns = [AuditEntry.seq, AuditEntry.created_at, AuditEntry.actor_id, AuditEntry.actor_label,
               AuditEntry.action, AuditEntry.subject_type, AuditEntry.subject_id, AuditEntry.payload,
               AuditEntry.payload_digest, AuditEntry.private_digest, AuditEntry.prev_hash, AuditEntry.hash,
               AuditEntry.version]
    rows = db.session.execute(select(*columns).where(AuditEntry.seq > after).order_by(AuditEntry.seq)
                              .limit(limit)).all()
    out = []
    for r in rows:
        item = {"v": r.version or 1, "seq": r.seq, "at": r.created_at.isoformat(timespec="microseconds"),
                "action": r.action, "subject": [r.subject_type, r.subject_id], "payload_digest": r.payload_digest,
                "prev_hash": r.prev_hash, "hash": r.hash}
        if item["v"] >= 2:
            item.update(payload=r.payload, private_digest=r.private_digest)
        else:
            item.update(actor=r.actor_id, actor_label=r.actor_label, payload=None)
        out.append(item)
    return out
