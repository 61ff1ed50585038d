"""keyed audit chain: the signing key id of each event, the last verification

Events already stored keep key_id NULL: they were hashed with plain SHA-256 and verify as
the chain's legacy prefix. The column is added in place (no table copy on SQLite), so the
append-only triggers on audit_event stay as they are.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('audit_event', sa.Column('key_id', sa.String(length=16), nullable=True))
    op.create_table('audit_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.Column('events', sa.BigInteger(), nullable=False),
    sa.Column('broken_id', sa.BigInteger(), nullable=True),
    sa.Column('problem', sa.String(length=32), nullable=True),
    sa.Column('alerted_seal', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_check'))
    )


def downgrade() -> None:
    op.drop_table('audit_check')
    # In place on both databases (SQLite 3.35+), so the append-only triggers survive.
    op.drop_column('audit_event', 'key_id')
