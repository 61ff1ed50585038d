"""indexes for Today: the queue in its own order (and its counts from the index alone), and
each request's latest offer or relationship (the follow-up lists)

Without them, every view of Today sorted every waiting request and ran a sort per request to
find its latest match (2,000 waiting: ~15 ms of SQLite a view, growing with the queue).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 15:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('intake', schema=None) as batch_op:
        batch_op.create_index('ix_intake_queue', ['state', 'erased_at', sa.text('urgent DESC'),
                                                  sa.text('priority DESC'), 'waiting_since', 'id'],
                              unique=False)
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.create_index('ix_match_latest', ['intake_id', sa.text('offered_at DESC'),
                                                  sa.text('state_changed_at DESC'),
                                                  sa.text('id DESC')], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.drop_index('ix_match_latest')
    with op.batch_alter_table('intake', schema=None) as batch_op:
        batch_op.drop_index('ix_intake_queue')
