"""PostgreSQL full-text search: a stored generated tsvector column with its GIN index (instead of an
index over an expression that every filtered search recomputed per row). SQLite keeps FTS5.

Revision ID: f1a5c0ffee70
Revises: f0a5c0ffee68
Create Date: 2026-11-28 00:00:00

"""
from alembic import op

from marketplace.models import search


# revision identifiers, used by Alembic.
revision = 'f1a5c0ffee70'
down_revision = 'f0a5c0ffee68'
branch_labels = None
depends_on = None

TABLES = ("needs", "projects", "service_items")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
        for statement in search.create_statements(table, "postgresql"):
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        for statement in search.drop_statements(table, "postgresql"):
            op.execute(statement)
        for statement in search.postgres_expression_index(table):
            op.execute(statement)
