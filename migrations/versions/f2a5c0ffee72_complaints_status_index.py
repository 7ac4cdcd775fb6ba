"""the street's pending complaints from an index on complaints (status, project_id) (issue 15: the
street's dashboard probed every project of the district for complaints)

Revision ID: f2a5c0ffee72
Revises: f1a5c0ffee70
Create Date: 2026-11-28 01:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f2a5c0ffee72'
down_revision = 'f1a5c0ffee70'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_complaints_status_project', 'complaints', ['status', 'project_id'], unique=False)


def downgrade():
    op.drop_index('ix_complaints_status_project', table_name='complaints')
