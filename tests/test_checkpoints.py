"""Signed checkpoints: what an outsider saved holds the platform to its history — truncation,
rewriting with recomputed hashes and forks are caught by `flask audit verify --checkpoints FILE`."""

import json
from datetime import timedelta

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from sqlalchemy import text

from marketplace.domain.core import audit, checkpoints, clock
from marketplace.extensions import db
from marketplace.models import AuditEntry
from tests.conftest import tamper
from tests.factories import make_street


def _days(n_days=3, per_day=2):
    street = make_street()
    for day in range(n_days):
        with clock.frozen(clock.now() - timedelta(days=n_days - day)):
            for i in range(per_day):
                audit.append("tester", f"test.day{day}.{i}", street, {"day": day, "i": i})
    db.session.commit()
    return street


def _saved(client, tmp_path):
    body = client.get("/audit/checkpoints.json").get_data(as_text=True)
    path = tmp_path / "checkpoints.json"
    path.write_text(body, encoding="utf-8")
    return path, json.loads(body)


def _rewrite_from(seq, action="test.forged"):
    """Rewrite entry `seq` and recompute every hash after it (what a careful forger would do)."""
    rows = db.session.scalars(db.select(AuditEntry).where(AuditEntry.seq >= seq).order_by(AuditEntry.seq)).all()
    prev = db.session.scalar(db.select(AuditEntry.hash).where(AuditEntry.seq == seq - 1)) or audit.GENESIS
    updates = []
    for row in rows:
        db.session.expunge(row)
        row.prev_hash = prev
        if row.seq == seq:
            row.action = action
        row.hash = audit.entry_hash(row)
        prev = row.hash
        updates.append({"seq": row.seq, "a": row.action, "p": row.prev_hash, "h": row.hash})
    # move the hashes out of the way first (prev_hash and hash are unique)
    tamper(*[(f"UPDATE audit_entries SET hash = 'x{u['seq']}', prev_hash = 'y{u['seq']}' WHERE seq = {u['seq']}", {})
             for u in updates],
           *[("UPDATE audit_entries SET action = :a, prev_hash = :p, hash = :h WHERE seq = :seq", u) for u in updates])


def test_checkpoints_are_the_last_entry_of_each_day_and_the_head_signed(client):
    _days()
    data = client.get("/audit/checkpoints.json").get_json()
    items = data["checkpoints"]
    assert [c["seq"] for c in items] == [2, 4, 6] and data["head"] == items[-1]
    assert data["head"]["hash"] == audit.head()[1] and data["head"]["at"].endswith("+08:00")
    pem = client.get("/audit/public-key")
    assert pem.mimetype == "text/plain"
    key = load_pem_public_key(pem.data)
    for c in items:  # anyone can check a signature with the public key alone
        key.verify(bytes.fromhex(c["signature"]), json.dumps(
            {"seq": c["seq"], "hash": c["hash"], "at": c["at"]}, sort_keys=True, ensure_ascii=False,
            separators=(",", ":")).encode())
    assert data["public_key"] == checkpoints.public_key_hex()


def test_an_intact_chain_holds_to_saved_checkpoints(client, runner, tmp_path):
    _days()
    path, _data = _saved(client, tmp_path)
    audit.append("tester", "test.later", None, {})  # the chain grows after the copy: still fine
    db.session.commit()
    result = runner.invoke(args=["audit", "verify", "--checkpoints", str(path)])
    assert result.exit_code == 0, result.output
    assert "Every saved checkpoint is in the chain (3 checked" in result.output


def test_truncation_is_caught_by_a_saved_checkpoint(client, runner, tmp_path):
    _days()
    path, data = _saved(client, tmp_path)
    tamper(("DELETE FROM audit_entries WHERE seq >= 5", {}))
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0  # consistent on its own…
    result = runner.invoke(args=["audit", "verify", "--checkpoints", str(path)])
    assert result.exit_code == 1  # …but not with what an outsider kept
    assert "the chain ends at #4 but a saved checkpoint is #6" in result.output and "truncated" in result.output


def test_a_rewritten_tail_with_recomputed_hashes_is_caught(client, runner, tmp_path):
    _days()
    path, _data = _saved(client, tmp_path)
    _rewrite_from(3)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    result = runner.invoke(args=["audit", "verify", "--checkpoints", str(path)])
    assert result.exit_code == 1 and "entry #4" in result.output and "rewritten or forked" in result.output


def test_a_fork_is_caught(client, runner, tmp_path):
    """The platform shows one history to some and another to others: a head saved from either exposes it."""
    _days(n_days=1, per_day=2)
    tamper(("DELETE FROM audit_entries WHERE seq = 2", {}))
    audit.append("tester", "test.branch_a", None, {})
    db.session.commit()
    path, _data = _saved(client, tmp_path)
    tamper(("DELETE FROM audit_entries WHERE seq = 2", {}))
    audit.append("tester", "test.branch_b", None, {})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify", "--checkpoints", str(path)])
    assert result.exit_code == 1 and "entry #2" in result.output and "forked" in result.output


def test_bad_checkpoint_files_are_clear_errors_never_tracebacks(client, runner, tmp_path):
    _days(n_days=1)
    path, data = _saved(client, tmp_path)
    cases = {
        "not json": "{not json",
        "empty": json.dumps({"checkpoints": []}),
        "wrong shape": json.dumps({"checkpoints": [1, 2]}),
        "bad seq": json.dumps([{**data["head"], "seq": "two"}]),
        "bad hash": json.dumps([{**data["head"], "hash": "zz"}]),
        "altered": json.dumps([{**data["head"], "hash": "0" * 64}]),
        "moved": json.dumps([{**data["head"], "seq": data["head"]["seq"] + 1}]),
    }
    for name, content in cases.items():
        bad = tmp_path / f"{name}.json"
        bad.write_text(content, encoding="utf-8")
        result = runner.invoke(args=["audit", "verify", "--checkpoints", str(bad)])
        assert result.exit_code == 1, name
        assert "is not a valid checkpoint file" in result.output, (name, result.output)
        assert not isinstance(result.exception, (ValueError, KeyError, TypeError)), name
    assert "signature does not match" in runner.invoke(
        args=["audit", "verify", "--checkpoints", str(tmp_path / "altered.json")]).output
    missing = runner.invoke(args=["audit", "verify", "--checkpoints", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and "Cannot read" in missing.output
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert "not a valid checkpoint file" in runner.invoke(
        args=["audit", "verify", "--checkpoints", str(binary)]).output


def test_new_key_prints_a_usable_key(runner):
    result = runner.invoke(args=["audit", "new-key"])
    assert result.exit_code == 0 and len(result.output.strip()) == 64
    bytes.fromhex(result.output.strip())
