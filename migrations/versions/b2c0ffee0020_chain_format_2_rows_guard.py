"""audit chain format 2 (public payload, salted private digest), business-row digests, receipt
documents, and triggers refusing UPDATE and DELETE on the chain

Revision ID: b2c0ffee0020
Revises: b80ffa93d643
Create Date: 2026-11-27 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b2c0ffee0020'
down_revision = 'b80ffa93d643'
branch_labels = None
depends_on = None

GUARDED = ('audit_entries', 'audit_rows')


def _guard(dialect, table, create=True):
    # (a copy of marketplace.models.audit.guard_statements as of this revision)
    if dialect == 'postgresql':
        if create:
            return ["CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END $$",
                    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"]
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]
    if create:
        return [f"CREATE TRIGGER {table}_no_{op_} BEFORE {op_.upper()} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END" for op_ in ('update', 'delete')]
    return [f"DROP TRIGGER IF EXISTS {table}_no_{op_}" for op_ in ('update', 'delete')]


def upgrade():
    # plain ADD COLUMN (no batch): SQLite keeps the table, and so the triggers created below
    op.add_column('audit_entries', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.add_column('audit_entries', sa.Column('private', sa.JSON(), nullable=True))
    op.add_column('audit_entries', sa.Column('private_digest', sa.String(length=64), nullable=True))
    op.add_column('audit_entries', sa.Column('nonce', sa.String(length=32), nullable=True))
    op.add_column('bid_receipts', sa.Column('document', sa.Text(), nullable=True))
    op.create_table('audit_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('row_table', sa.String(length=64), nullable=False),
    sa.Column('row_id', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_rows'))
    )
    op.create_index('ix_audit_rows_row', 'audit_rows', ['row_table', 'row_id', 'seq'], unique=False)
    op.create_index(op.f('ix_audit_rows_seq'), 'audit_rows', ['seq'], unique=False)
    dialect = op.get_bind().dialect.name
    for table in GUARDED:
        for statement in _guard(dialect, table):
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in GUARDED:
        for statement in _guard(dialect, table, create=False):
            op.execute(statement)
    op.drop_index(op.f('ix_audit_rows_seq'), table_name='audit_rows')
    op.drop_index('ix_audit_rows_row', table_name='audit_rows')
    op.drop_table('audit_rows')
    with op.batch_alter_table('bid_receipts', schema=None) as batch_op:
        batch_op.drop_column('document')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        for column in ('nonce', 'private_digest', 'private', 'version'):
            batch_op.drop_column(column)
