"""account language: the portal language a signed-in person chose, which their emails follow,
and the language a request was made in (its address check is written in it)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 15:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('intake', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    # In place on both databases (SQLite 3.35+): a batch copy of these tables would drop them,
    # and with them, through ON DELETE CASCADE, the rows that refer to them.
    op.drop_column('intake', 'claim_language')
    op.drop_column('user_account', 'language')
