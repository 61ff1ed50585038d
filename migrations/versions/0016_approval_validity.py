"""approval validity: the day a volunteer's approval (screening and training) holds through,
and the valid-until date its renewal reminder was sent for (once per due date)

Both nullable: volunteers approved before this release have no date and stay matchable until
the coordinator renews them, which sets one.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 15:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('volunteer_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('approval_reminded_for', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('volunteer_profile', schema=None) as batch_op:
        batch_op.drop_column('approval_reminded_for')
        batch_op.drop_column('approved_until')
