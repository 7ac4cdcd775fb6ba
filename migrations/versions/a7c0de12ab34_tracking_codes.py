"""tracking codes for micro-wishes and complaints (residents follow them on /track)

Revision ID: a7c0de12ab34
Revises: 6c4e3bc75c1e
Create Date: 2026-11-27 21:50:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = 'a7c0de12ab34'
down_revision = '6c4e3bc75c1e'
branch_labels = None
depends_on = None

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def upgrade():
    for table, prefix in (("wishes", "W"), ("complaints", "T")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('tracking_code', sa.String(length=12), nullable=True))
            batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_tracking_code'), ['tracking_code'])
        bind = op.get_bind()
        rows = bind.execute(sa.text(f"SELECT id FROM {table}")).scalars().all()
        for row_id in rows:  # earlier wishes and complaints get their numbers too
            code = prefix + "".join(secrets.choice(ALPHABET) for _ in range(9))
            bind.execute(sa.text(f"UPDATE {table} SET tracking_code = :c WHERE id = :i"), {"c": code, "i": row_id})


def downgrade():
    for table in ("complaints", "wishes"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'uq_{table}_tracking_code'), type_='unique')
            batch_op.drop_column('tracking_code')
