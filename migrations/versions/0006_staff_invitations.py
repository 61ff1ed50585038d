"""staff invitations: an invitation names the role it makes (volunteer, coordinator, admin)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 13:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=16), nullable=False,
                                      server_default='volunteer'))
        batch_op.add_column(sa.Column('display_name', sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('display_name')
        batch_op.drop_column('role')
