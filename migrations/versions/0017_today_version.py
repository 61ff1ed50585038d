"""today version: one counter bumped in the same transaction as every change the
coordinator's Today page shows, so a web process may keep Today rendered and know exactly
when it is stale

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 18:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('today_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_today_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade() -> None:
    op.drop_table('today_version')
