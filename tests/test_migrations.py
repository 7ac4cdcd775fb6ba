"""One Alembic head, and `flask db upgrade` from empty gives exactly the models' schema."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.config import ROOT
from marketplace.extensions import db
from marketplace.models.search import is_search_object


def test_single_head():
    from alembic.config import Config

    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A brand-new database on the same server as the test database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    name = f"migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_empty_equals_the_models(empty_database, monkeypatch):
    monkeypatch.setenv("TEST_DATABASE_URL", empty_database)
    migrated = create_app("testing")
    with migrated.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True,
                "include_name": lambda name, type_, parents: not is_search_object(name)})
            diff = compare_metadata(context, db.metadata)
            search_objects = _search_objects(conn)
            enum_gaps = _enum_constraint_gaps(conn)
        db.engine.dispose()
    assert diff == [], diff
    assert search_objects, "the migrations create the full-text search index"
    assert enum_gaps == [], f"states missing from the migrated CHECK constraints: {enum_gaps}"


def _enum_constraint_gaps(conn):
    """Every value of every enum column is allowed by the migrated database (autogenerate does not
    compare CHECK constraints, so a new state needs a hand-written migration: this catches a forgotten one)."""
    from sqlalchemy import Enum

    gaps = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, Enum):
                continue
            name = f"ck_{table.name}_{column.type.name}"
            if conn.dialect.name == "sqlite":
                sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table.name}).scalar()
                start = sql.find(f"{name} CHECK")
                definition = sql[start:sql.find(")", start)] if start >= 0 else ""
            else:
                definition = conn.execute(text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = :n"),
                                          {"n": name}).scalar() or ""
            gaps += [f"{table.name}.{column.name}={v}" for v in column.type.enums if f"'{v}'" not in definition]
    return gaps


def _search_objects(conn):
    if conn.dialect.name == "sqlite":
        return conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE '%_fts%'")).all()
    return conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_search'")).all()


def test_upgrade_keeps_existing_rows_when_sqlite_copies_a_referenced_table(empty_database, monkeypatch):
    """An installation with accounts upgrades: SQLite recreates `users` (a new role's CHECK) while
    other tables refer to it; the rows survive and every reference still holds."""
    monkeypatch.setenv("TEST_DATABASE_URL", empty_database)
    migrated = create_app("testing")
    with migrated.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="cea6895ff9ec")  # before the supervisor role
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (id, username, display_name, password_hash, role, active, "
                              "session_version, created_at) VALUES (1, 'u', 'u', 'x', 'admin', true, 1, "
                              "'2026-01-01 00:00:00+00')"))
            conn.execute(text("INSERT INTO notifications (user_id, kind, params, link, created_at) "
                              "VALUES (1, 'k', '{}', '/', '2026-01-01 00:00:00+00')"))
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM notifications WHERE user_id = 1")).scalar() == 1
            if conn.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1  # enforced again
        db.engine.dispose()
