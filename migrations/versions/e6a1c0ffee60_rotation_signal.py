"""the rotation and cover bidding signal (廉洁监督)

Revision ID: e6a1c0ffee60
Revises: a7c0de12ab34
Create Date: 2026-11-28 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6a1c0ffee60'
down_revision = 'a7c0de12ab34'
branch_labels = None
depends_on = None


SIGNALS_BEFORE = ("'outlier_rater', 'favouritism', 'similar_bids', 'same_attachment', 'shared_identity', "
                  "'price_outlier', 'under_cap', 'concentration', 'hurried_scoring'")
SIGNALS_AFTER = SIGNALS_BEFORE + ", 'rotation'"


def _signals(values):
    # a new signal is a new CHECK constraint on integrity_flags.signal (SQLite: the table is recreated)
    with op.batch_alter_table("integrity_flags", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_integrity_flags_signal"), type_="check")
        batch_op.create_check_constraint(op.f("ck_integrity_flags_signal"), sa.text(f"signal IN ({values})"))


def upgrade():
    _signals(SIGNALS_AFTER)


def downgrade():
    # refused by the database while rotation flags exist (flags are never deleted)
    _signals(SIGNALS_BEFORE)
