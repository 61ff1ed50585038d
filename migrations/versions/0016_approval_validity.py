"""approval validity: the day a volunteer's approval (screening and training) holds through,
and the valid-until date its renewal reminder was sent for (once per due date)

Volunteers already active or paused count their approval from the day of the upgrade, for the
default 24 months (the portal keeps no earlier approval date), so every approval has a date
and a reminder before it lapses; the coordinator may renew any of them sooner.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 15:30:00
"""
from calendar import monthrange
from datetime import date

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

DEFAULT_MONTHS = 24  # the approval_months setting's default


def upgrade() -> None:
    with op.batch_alter_table('volunteer_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('approval_reminded_for', sa.Date(), nullable=True))
    today = date.today()
    year, month = divmod(today.month - 1 + DEFAULT_MONTHS, 12)
    year, month = today.year + year, month + 1
    until = date(year, month, min(today.day, monthrange(year, month)[1]))
    profile = sa.table('volunteer_profile', sa.column('state', sa.String),
                       sa.column('approved_until', sa.Date))
    op.execute(profile.update().where(profile.c.state.in_(('active', 'paused')))
               .values(approved_until=until))


def downgrade() -> None:
    with op.batch_alter_table('volunteer_profile', schema=None) as batch_op:
        batch_op.drop_column('approval_reminded_for')
        batch_op.drop_column('approved_until')
