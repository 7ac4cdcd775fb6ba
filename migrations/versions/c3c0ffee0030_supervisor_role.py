"""the supervisor role (监督员)

Revision ID: c3c0ffee0030
Revises: cea6895ff9ec
Create Date: 2026-11-28 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3c0ffee0030'
down_revision = 'cea6895ff9ec'
branch_labels = None
depends_on = None


ROLES_BEFORE = "'resident', 'secretary', 'street', 'department', 'expert', 'organization', 'admin'"
ROLES_AFTER = ROLES_BEFORE + ", 'supervisor'"


def _roles(values):
    # a new role is a new CHECK constraint on users.role (SQLite: the table is recreated)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_role"), sa.text(f"role IN ({values})"))


def upgrade():
    _roles(ROLES_AFTER)


def downgrade():
    # refused by the database while supervisor accounts exist (accounts are never deleted)
    _roles(ROLES_BEFORE)
