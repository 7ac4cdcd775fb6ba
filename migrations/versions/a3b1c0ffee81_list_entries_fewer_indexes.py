"""list entries: drop the index on period_id (the unique (period_id, organization_id) index leads with it)
and the one on kind (two values; every query also names a period or an organization) — a quarter's list
for 900,000 organizations inserts its entries with three indexes instead of five (issue 15)

Revision ID: a3b1c0ffee81
Revises: e7c5a0ffee80
Create Date: 2026-11-28 04:02:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a3b1c0ffee81'
down_revision = 'e7c5a0ffee80'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('list_entries') as batch_op:
        batch_op.drop_index('ix_list_entries_period_id')
        batch_op.drop_index('ix_list_entries_kind')


def downgrade():
    with op.batch_alter_table('list_entries') as batch_op:
        batch_op.create_index('ix_list_entries_kind', ['kind'], unique=False)
        batch_op.create_index('ix_list_entries_period_id', ['period_id'], unique=False)
