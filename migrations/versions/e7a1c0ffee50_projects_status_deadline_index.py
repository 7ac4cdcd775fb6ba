"""projects open for bids by deadline: an index on (status, bid_deadline)

Revision ID: e7a1c0ffee50
Revises: 577331d84424
Create Date: 2026-11-27 21:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e7a1c0ffee50'
down_revision = '577331d84424'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index('ix_projects_status_bid_deadline', ['status', 'bid_deadline'], unique=False)


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index('ix_projects_status_bid_deadline')
