"""contracting process numbers (one OCDS ocid per process)

Revision ID: a1c0ffee0010
Revises: 307ce4ed7457
Create Date: 2026-11-27 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0010'
down_revision = '307ce4ed7457'
branch_labels = None
depends_on = None

_REPUBLISHED = ("SELECT count(*) FROM audit_entries a WHERE a.subject_type = 'projects' "
                "AND a.action = 'project.republished' AND a.subject_id = {project}")


def upgrade():
    for table in ('projects', 'awards', 'contracts', 'bid_receipts'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('process', sa.Integer(), server_default='1', nullable=False))
    # existing rows: the process is 1 + the number of republications before the row was written
    op.execute("UPDATE projects SET process = 1 + (" + _REPUBLISHED.format(project="projects.id") + ")")
    for table in ('awards', 'contracts', 'bid_receipts'):
        op.execute(f"UPDATE {table} SET process = 1 + (" + _REPUBLISHED.format(project=f"{table}.project_id")
                   + f" AND a.created_at < {table}.created_at)")


def downgrade():
    for table in ('bid_receipts', 'contracts', 'awards', 'projects'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('process')
