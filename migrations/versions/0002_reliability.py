"""reliability: claim owners, urgent queue, clock leases

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_MAIL_KINDS = ("send_notification", "send_invitation")


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=160), nullable=True))
    with op.batch_alter_table('outbox_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queue', sa.String(length=32), nullable=False,
                                      server_default='default'))
    outbox = sa.table('outbox_job', sa.column('kind', sa.String), sa.column('queue', sa.String))
    op.execute(outbox.update().values(queue=sa.case(
        (outbox.c.kind.in_(_MAIL_KINDS), 'mail'), else_='matching')))
    op.create_table('periodic_task',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('last_run_at', sa.DateTime(), nullable=True),
    sa.Column('last_holder', sa.String(length=160), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_periodic_task'))
    )


def downgrade() -> None:
    op.drop_table('periodic_task')
    with op.batch_alter_table('outbox_job', schema=None) as batch_op:
        batch_op.drop_column('queue')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
