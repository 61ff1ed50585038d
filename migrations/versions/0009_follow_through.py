"""follow-through: the first contact after a yes, quiet relationships, and the reminders each
sent once

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 13:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

COLUMNS = ('first_contact_at', 'contact_reminded_at', 'contact_escalated_at',
           'expiry_reminded_at', 'quiet_reminded_at', 'quiet_escalated_at')


def upgrade() -> None:
    with op.batch_alter_table('match', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('match', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
