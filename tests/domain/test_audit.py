from sqlalchemy import text

import pytest

from marketplace.domain.core import audit
from marketplace.extensions import db
from marketplace.models import AuditEntry
from marketplace.models.audit import AppendOnlyViolation
from tests.conftest import dialect, tamper
from tests.factories import make_street


def _chain(n=4):
    street = make_street()
    for i in range(n):
        audit.append("tester", f"test.step{i}", street, {"i": i, "中文": "留痕"})
    db.session.commit()
    return street


def test_entries_link_to_their_predecessor():
    _chain(3)
    entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == audit.GENESIS
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    assert len({e.hash for e in entries}) == 3
    report = audit.verify_chain()
    assert report.ok and report.count == 3 and report.head == entries[2].hash


def test_empty_chain_is_intact():
    report = audit.verify_chain()
    assert report.ok and report.count == 0


def test_an_edited_row_is_found():
    _chain()
    tamper(("UPDATE audit_entries SET action = 'test.forged' WHERE seq = 3", {}))
    db.session.commit()
    report = audit.verify_chain()
    assert not report.ok and report.bad_seq == 3 and "altered" in report.problem


def test_an_edited_payload_is_found():
    _chain()
    tamper(("""UPDATE audit_entries SET payload = '{"i": 99}' WHERE seq = 2""", {}))
    db.session.commit()
    report = audit.verify_chain()
    assert not report.ok and report.bad_seq == 2 and "payload" in report.problem


def test_a_deleted_row_is_found():
    _chain()
    tamper(("DELETE FROM audit_entries WHERE seq = 2", {}))
    db.session.commit()
    report = audit.verify_chain()
    assert not report.ok and report.bad_seq == 2 and "missing" in report.problem


def test_a_deleted_last_row_moves_the_head_but_the_published_head_exposes_it():
    _chain()
    published_seq, published_head = audit.head()
    tamper(("DELETE FROM audit_entries WHERE seq = :s", {"s": published_seq}))
    db.session.commit()
    assert audit.verify_chain().ok  # a truncated chain is internally consistent...
    assert audit.head() != (published_seq, published_head)  # ...but its head no longer matches


def test_reordered_rows_are_found():
    _chain()
    # swap entries 2 and 3 (via a free seq number to respect the unique constraint)
    tamper(("UPDATE audit_entries SET seq = 1000 WHERE seq = 2", {}))
    tamper(("UPDATE audit_entries SET seq = 2 WHERE seq = 3", {}))
    tamper(("UPDATE audit_entries SET seq = 3 WHERE seq = 1000", {}))
    db.session.commit()
    report = audit.verify_chain()
    assert not report.ok and report.bad_seq == 2


def test_the_orm_refuses_to_change_or_delete_entries():
    _chain(1)
    entry = db.session.scalars(db.select(AuditEntry)).one()
    entry.action = "changed"
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()
    entry = db.session.scalars(db.select(AuditEntry)).one()
    db.session.delete(entry)
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()


def test_timeline_lists_a_subjects_entries_in_order():
    street = _chain(3)
    other = make_street()
    audit.append("tester", "other.thing", other)
    db.session.commit()
    assert [e.action for e in audit.timeline(street)] == ["test.step0", "test.step1", "test.step2"]


def test_cli_verify_exit_codes(runner):
    _chain()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "intact: 4 entries" in ok.output
    tamper(("UPDATE audit_entries SET actor_label = 'someone' WHERE seq = 2", {}))
    db.session.commit()
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1 and "#2" in bad.output


def test_the_database_refuses_to_change_or_delete_entries():
    """Triggers (created by the migration and with the tables) refuse UPDATE and DELETE on both databases."""
    from sqlalchemy.exc import DBAPIError

    from marketplace.models import Setting

    _chain(1)
    setting = Setting(key="test.key", value=1)
    db.session.add(setting)
    audit.append("tester", "test.setting", None, {}, rows=[setting])
    db.session.commit()
    for sql in ("UPDATE audit_entries SET action = 'x' WHERE seq = 1", "DELETE FROM audit_entries WHERE seq = 2",
                "UPDATE audit_rows SET digest = 'x'", "DELETE FROM audit_rows"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(sql))
        db.session.rollback()
    assert audit.verify_chain().ok and audit.verify_chain().count == 2


def test_private_details_are_committed_by_a_salted_digest():
    street = _chain(1)
    entry = db.session.scalars(db.select(AuditEntry)).one()
    assert entry.version == 2 and entry.payload == {} and entry.private["data"] == {"i": 0, "中文": "留痕"}
    assert entry.private["actor"] == [None, "tester"] and len(entry.nonce) == 32
    assert audit.details(entry) == {"i": 0, "中文": "留痕"}
    tamper(("UPDATE audit_entries SET private = :p WHERE seq = 1",
            {"p": '{"actor": [null, "tester"], "data": {"i": 1, "中文": "留痕"}}'}))
    report = audit.verify_chain()
    assert not report.ok and "private" in report.problem
    assert street


def test_rows_document_writes_every_value_as_plain_does():
    """The fast path for many rows (a red/black list period) must give exactly what `plain` gives,
    value by value: remembered values keyed by type, unscaled decimals keep their own text."""
    from datetime import date, datetime, timedelta, timezone
    from decimal import Decimal

    from sqlalchemy import JSON, Column, Date, DateTime, Enum as SAEnum, Integer, MetaData, Numeric, Table, Text

    from marketplace.domain.core import audit
    from marketplace.models import ListKind

    table = Table("t", MetaData(), Column("id", Integer), Column("kind", SAEnum(ListKind)), Column("text", Text),
                  Column("money", Numeric(6, 2)), Column("loose", Numeric()), Column("on", Date),
                  Column("at", DateTime(timezone=True)), Column("data", JSON))
    columns = list(table.columns)
    east = timezone(timedelta(hours=8))
    rows = [(1, ListKind.red, "甲", Decimal("90"), Decimal("1.0"), date(2026, 1, 1),
             datetime(2026, 1, 1, 8, tzinfo=east), {"b": 1, "a": [2]}),
            (2, ListKind.black, None, Decimal("90.00"), Decimal("1.00"), None,
             datetime(2026, 1, 1, 0, tzinfo=timezone.utc), None),
            (True, ListKind.red, "", 90, Decimal("1"), date(2026, 1, 1), None, [1])]
    expected = [{c.key: audit.plain(v, c) for c, v in zip(columns, row)} for row in rows]
    assert audit.rows_document(columns, rows) == expected
    assert [r["loose"] for r in audit.rows_document(columns, rows)] == ["1.0", "1.00", "1"]
