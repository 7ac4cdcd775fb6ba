"""read-side indexes (issue 15): needs counted by status per community or street from the index
(community_id, status); a subject's audit entries by (subject_type, subject_id, action, seq), so the
last entry that changed a page of projects (OCDS release ids) is an index-only read

Revision ID: f0a5c0ffee68
Revises: e7b3c0ffee70
Create Date: 2026-11-28 00:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f0a5c0ffee68'
down_revision = 'e7b3c0ffee70'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_needs_community_status', 'needs', ['community_id', 'status'], unique=False)
    op.create_index('ix_audit_entries_subject_action_seq', 'audit_entries',
                    ['subject_type', 'subject_id', 'action', 'seq'], unique=False)
    op.drop_index('ix_audit_entries_subject', table_name='audit_entries')


def downgrade():
    op.create_index('ix_audit_entries_subject', 'audit_entries', ['subject_type', 'subject_id'], unique=False)
    op.drop_index('ix_audit_entries_subject_action_seq', table_name='audit_entries')
    op.drop_index('ix_needs_community_status', table_name='needs')
