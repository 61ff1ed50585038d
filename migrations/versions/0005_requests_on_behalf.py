"""requests on behalf: a request the coordinator enters (by phone, at a walk-in, from a referral
with consent), how consent was given, and how the person wants to be reached

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 13:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('intake', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=16), nullable=False,
                                      server_default='online'))
        batch_op.add_column(sa.Column('consent_method', sa.String(length=16), nullable=False,
                                      server_default='online'))
        batch_op.add_column(sa.Column('reach_by', sa.String(length=16), nullable=False,
                                      server_default='account'))
        batch_op.add_column(sa.Column('entered_by_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('claim_expires_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_intake_entered_by_id_user_account'),
                                    'user_account', ['entered_by_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('intake', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_intake_entered_by_id_user_account'),
                                 type_='foreignkey')
        batch_op.drop_column('claim_expires_at')
        batch_op.drop_column('entered_by_id')
        batch_op.drop_column('reach_by')
        batch_op.drop_column('consent_method')
        batch_op.drop_column('channel')
