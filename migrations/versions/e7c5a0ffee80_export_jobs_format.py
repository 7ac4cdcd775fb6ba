"""export jobs have a format (large CSV exports are prepared as jobs like large Excel files; issue 15)

Revision ID: e7c5a0ffee80
Revises: f0110a5e0012
Create Date: 2026-11-28 03:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e7c5a0ffee80'
down_revision = 'f0110a5e0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('export_jobs') as batch_op:
        batch_op.add_column(sa.Column('format', sa.String(length=8), nullable=False, server_default='xlsx'))


def downgrade():
    with op.batch_alter_table('export_jobs') as batch_op:
        batch_op.drop_column('format')
