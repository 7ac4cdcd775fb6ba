"""Full-text search storage: a `search_text` column of jieba tokens, indexed per database.

PostgreSQL: a stored generated column `search_vector` (to_tsvector('simple', search_text)), kept by
the database on every write, with a GIN index: a search combined with other filters reads the stored
vector instead of computing to_tsvector for each row the planner reaches.
SQLite: an FTS5 table (unicode61 tokenizer) kept in step with the base table by triggers.
Both are created by the migrations and, for tests, after `create_all`. They live outside the
models' metadata, so schema comparison skips them (see `is_search_object`)."""

from __future__ import annotations

from sqlalchemy import DDL, Table, event


def _sqlite_fts(table: str) -> list[str]:
    fts = f"{table}_fts"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(search_text, content='{table}', "
        f"content_rowid='id', tokenize='unicode61')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, coalesce(new.search_text, '')); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, coalesce(old.search_text, '')); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF search_text ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, coalesce(old.search_text, '')); "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, coalesce(new.search_text, '')); END",
    ]


VECTOR = "search_vector"


def _postgres_gin(table: str) -> list[str]:
    return [f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {VECTOR} tsvector GENERATED ALWAYS AS "
            f"(to_tsvector('simple', coalesce(search_text, ''))) STORED",
            f"CREATE INDEX IF NOT EXISTS ix_{table}_search ON {table} USING gin ({VECTOR})"]


def postgres_expression_index(table: str) -> list[str]:
    """The former PostgreSQL index (an expression over search_text), for downgrading."""
    return [f"CREATE INDEX IF NOT EXISTS ix_{table}_search ON {table} "
            f"USING gin (to_tsvector('simple', coalesce(search_text, '')))"]


def create_statements(table: str, dialect: str) -> list[str]:
    if dialect == "sqlite":
        return _sqlite_fts(table)
    if dialect == "postgresql":
        return _postgres_gin(table)
    return []


def drop_statements(table: str, dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_fts_{s}" for s in ("ai", "ad", "au")] + [
            f"DROP TABLE IF EXISTS {table}_fts"]
    if dialect == "postgresql":
        return [f"DROP INDEX IF EXISTS ix_{table}_search", f"ALTER TABLE {table} DROP COLUMN IF EXISTS {VECTOR}"]
    return []


def searchable(table: Table) -> Table:
    """Attach the search index DDL to a table's CREATE (used by create_all in tests)."""
    for dialect in ("sqlite", "postgresql"):
        for statement in create_statements(table.name, dialect):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))
    event.listen(table, "before_drop", DDL(f"DROP TABLE IF EXISTS {table.name}_fts").execute_if(dialect="sqlite"))
    return table


def is_search_object(name: str | None) -> bool:
    """Names created by this module (skipped when comparing the schema with the models)."""
    return bool(name) and ("_fts" in name or name == VECTOR
                           or (name.startswith("ix_") and name.endswith("_search")))
