"""bid summary: public after the award (SPEC §3)

Revision ID: d5e1b1d50040
Revises: c3c0ffee0030
Create Date: 2026-12-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5e1b1d50040'
down_revision = 'c3c0ffee0030'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.drop_column('summary')
