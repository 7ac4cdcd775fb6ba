"""follows: people and e-mail addresses following a need or a project

Revision ID: f0110a5e0012
Revises: f2a5c0ffee72
Create Date: 2026-11-28 00:30:00

"""
from alembic import op
import sqlalchemy as sa

import marketplace.orm


# revision identifiers, used by Alembic.
revision = 'f0110a5e0012'
down_revision = 'f2a5c0ffee72'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'follows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('project_id', sa.Integer(), nullable=True),
        sa.Column('need_id', sa.Integer(), nullable=True),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('confirmed_at', marketplace.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', marketplace.orm.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('(project_id IS NULL) <> (need_id IS NULL)', name=op.f('ck_follows_follow_one_subject')),
        sa.CheckConstraint('(user_id IS NULL) <> (email IS NULL)', name=op.f('ck_follows_follow_person_or_address')),
        sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_follows_need_id_needs')),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_follows_project_id_projects')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_follows_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_follows')),
        sa.UniqueConstraint('token', name=op.f('uq_follows_token')),
    )
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.create_index('ix_follows_need', ['need_id'], unique=False)
        batch_op.create_index('ix_follows_project', ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follows_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follows_user_id'))
        batch_op.drop_index('ix_follows_project')
        batch_op.drop_index('ix_follows_need')
    op.drop_table('follows')
