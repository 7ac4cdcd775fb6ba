"""integrity scan: letters' word shingles kept by the letter's digest (a re-scan does not cut them again)

Revision ID: e7b3c0ffee70
Revises: d323154b3398
Create Date: 2026-11-28 00:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7b3c0ffee70'
down_revision = 'd323154b3398'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'integrity_letter_shingles',
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('hashes', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('digest', name=op.f('pk_integrity_letter_shingles')),
    )


def downgrade():
    op.drop_table('integrity_letter_shingles')
