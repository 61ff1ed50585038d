"""pool version: one counter bumped in the same transaction as every change the encoded
volunteer pool depends on (a volunteer's matched columns, their conflicts, their load), so a
worker's cached pool is rebuilt exactly when it is stale; it replaces a version derived from
counts and latest change times, which a change inside the same timestamp could slip past

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 15:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('pool_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pool_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade() -> None:
    op.drop_table('pool_version')
