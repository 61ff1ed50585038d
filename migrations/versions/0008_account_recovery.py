"""account recovery: a new email waits for its confirmation link; the old address is told

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 13:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_email_ct', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('pending_email_nonce', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('pending_email_expires_at', sa.DateTime(), nullable=True))
    op.create_table('address_notice',
    sa.Column('email_ct', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_address_notice'))
    )


def downgrade() -> None:
    op.drop_table('address_notice')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('pending_email_expires_at')
        batch_op.drop_column('pending_email_nonce')
        batch_op.drop_column('pending_email_ct')
