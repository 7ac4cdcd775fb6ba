"""Signed checkpoints of the audit chain: heads anyone can save and later hold the platform to.

`/audit/checkpoints.json` lists the last entry of every day (Asia/Shanghai) and the current head, each
`{seq, hash, at}` signed with the district's Ed25519 key (public at `/audit/public-key`). The signed
message is the canonical JSON (see `audit.canonical`) of `{"at", "hash", "seq"}`. A newspaper or an
auditor who saved a copy runs `flask audit verify --checkpoints FILE` (or `scripts/verify_chain.py`):
if the chain no longer contains every saved head — entries removed (truncation), an entry rewritten
and the hashes recomputed, or a second history (a fork) — verification fails."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime, time, timezone
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from sqlalchemy import func, select

from marketplace.domain.core import audit, clock
from marketplace.domain.core.clock import LOCAL_TZ
from marketplace.extensions import db
from marketplace.models import AuditEntry

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX128 = re.compile(r"^[0-9a-f]{128}$")
_cache: dict[str, Any] = {}
_cache_lock = threading.Lock()


class CheckpointFileError(ValueError):
    """A saved checkpoint file that cannot be read or was not signed by this district."""


def _private_key() -> Ed25519PrivateKey:
    raw = current_app.config["AUDIT_SIGNING_KEY"].strip()
    try:
        seed = bytes.fromhex(raw)
        if len(seed) != 32:
            raise ValueError
    except ValueError:
        raise RuntimeError("AUDIT_SIGNING_KEY must be 64 hexadecimal characters (an Ed25519 seed).") from None
    return Ed25519PrivateKey.from_private_bytes(seed)


def new_key() -> str:
    """A fresh signing key (hex of the Ed25519 seed) for AUDIT_SIGNING_KEY."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()).hex()


def public_key() -> Ed25519PublicKey:
    return _private_key().public_key()


def public_key_hex() -> str:
    return public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def public_key_pem() -> str:
    return public_key().public_bytes(serialization.Encoding.PEM,
                                     serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def at_text(created_at: Any) -> str:
    return created_at.astimezone(LOCAL_TZ).isoformat(timespec="microseconds")


def message(seq: int, hash_: str, at: str) -> bytes:
    return audit.canonical({"seq": seq, "hash": hash_, "at": at})


def sign(seq: int, hash_: str, at: str) -> dict[str, Any]:
    return {"seq": seq, "hash": hash_, "at": at, "signature": _private_key().sign(message(seq, hash_, at)).hex()}


def _local_day(column: Any) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Shanghai", column))
    return func.date(column, "+8 hours")


def _daily_before(today_start: datetime) -> list[dict[str, Any]]:
    """The signed last entry of every local day before today: computed once a day (past days never
    change; the key holds the last entry before today, so a different chain is never served from cache)."""
    before = db.session.execute(select(AuditEntry.hash).where(AuditEntry.created_at < today_start)
                                .order_by(AuditEntry.seq.desc()).limit(1)).scalar()
    key = f"{today_start.isoformat()}:{before}:{public_key_hex()}"
    with _cache_lock:
        if _cache.get("key") == key:
            return _cache["daily"]
    daily = (select(func.max(AuditEntry.seq)).where(AuditEntry.created_at < today_start)
             .group_by(_local_day(AuditEntry.created_at)).scalar_subquery())
    rows = db.session.execute(select(AuditEntry.seq, AuditEntry.hash, AuditEntry.created_at)
                              .where(AuditEntry.seq.in_(daily)).order_by(AuditEntry.seq)).all()
    items = [sign(r.seq, r.hash, at_text(r.created_at)) for r in rows]
    with _cache_lock:
        _cache.update(key=key, daily=items)
    return items


def published() -> dict[str, Any]:
    """The signed checkpoints: the last entry of each local day, then the current head."""
    now = clock.now().astimezone(LOCAL_TZ)
    today_start = datetime.combine(now.date(), time(0, 0), tzinfo=LOCAL_TZ).astimezone(timezone.utc)
    items = list(_daily_before(today_start))
    head = db.session.execute(select(AuditEntry.seq, AuditEntry.hash, AuditEntry.created_at)
                              .order_by(AuditEntry.seq.desc()).limit(1)).first()
    if head is not None and (not items or head.seq > items[-1]["seq"]):
        items.append(sign(head.seq, head.hash, at_text(head.created_at)))
    return {
        "algorithm": "Ed25519", "public_key": public_key_hex(),
        "message": 'UTF-8 canonical JSON of {"at": …, "hash": …, "seq": …} (keys sorted, no spaces)',
        "head": items[-1] if items else None, "checkpoints": items,
    }


# --- holding the chain to a saved copy ---------------------------------------------------------------

@dataclass
class SavedCheck:
    ok: bool
    checked: int
    problem: str = ""
    seq: int | None = None


def parse(data: Any) -> list[dict[str, Any]]:
    """The checkpoints of a saved file (the JSON of /audit/checkpoints.json, or its list), each
    signature verified against the district's key. Anything else is a CheckpointFileError."""
    items = data.get("checkpoints") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise CheckpointFileError("no checkpoints: expected the JSON saved from /audit/checkpoints.json")
    key = public_key()
    parsed = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise CheckpointFileError(f"checkpoint {i} is not an object")
        seq, hash_, at, sig = item.get("seq"), item.get("hash"), item.get("at"), item.get("signature")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise CheckpointFileError(f"checkpoint {i}: seq must be a positive integer")
        if not isinstance(hash_, str) or not _HEX64.match(hash_):
            raise CheckpointFileError(f"checkpoint {i} (#{seq}): hash must be 64 lowercase hexadecimal characters")
        if not isinstance(at, str) or not at:
            raise CheckpointFileError(f"checkpoint {i} (#{seq}): at is missing")
        if not isinstance(sig, str) or not _HEX128.match(sig):
            raise CheckpointFileError(f"checkpoint {i} (#{seq}): signature must be 128 hexadecimal characters")
        try:
            key.verify(bytes.fromhex(sig), message(seq, hash_, at))
        except InvalidSignature:
            raise CheckpointFileError(
                f"checkpoint {i} (#{seq}): the signature does not match the district's key — the file was "
                "altered, or it was signed by another key") from None
        parsed.append({"seq": seq, "hash": hash_, "at": at})
    return parsed


def hold_to(saved: list[dict[str, Any]], batch: int = 1000) -> SavedCheck:
    """Does today's chain still contain every saved head? (run after verify_chain: the chain itself holds)"""
    last_seq, _head = audit.head()
    wanted = sorted(saved, key=lambda c: c["seq"])
    for start in range(0, len(wanted), batch):
        chunk = wanted[start:start + batch]
        found = dict(db.session.execute(select(AuditEntry.seq, AuditEntry.hash)
                                        .where(AuditEntry.seq.in_([c["seq"] for c in chunk]))).all())
        for c in chunk:
            if c["seq"] not in found:
                return SavedCheck(False, start, f"the chain ends at #{last_seq} but a saved checkpoint is #{c['seq']} "
                                  f"({c['at']}): entries were removed (truncated)", c["seq"])
            if found[c["seq"]] != c["hash"]:
                return SavedCheck(False, start, f"entry #{c['seq']} has hash {found[c['seq']]} but the checkpoint saved "
                                  f"at {c['at']} says {c['hash']}: the chain was rewritten or forked", c["seq"])
    return SavedCheck(True, len(wanted))
