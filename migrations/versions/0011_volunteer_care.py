"""volunteer care and outcomes: private wellbeing check-ins with debrief requests, logged
contacts and hours (counts only), and the content-free "Is this helping?" pulse

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 13:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('wellbeing_check',
    sa.Column('profile_id', sa.Uuid(), nullable=False),
    sa.Column('asked_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answer', sa.String(length=16), nullable=True),
    sa.Column('debrief_asked', sa.Boolean(), nullable=False),
    sa.Column('debrief_taken_at', sa.DateTime(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['volunteer_profile.id'], name=op.f('fk_wellbeing_check_profile_id_volunteer_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wellbeing_check'))
    )
    with op.batch_alter_table('wellbeing_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wellbeing_check_profile_id'), ['profile_id'], unique=False)
    op.create_table('service_log',
    sa.Column('profile_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('contacts', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['volunteer_profile.id'], name=op.f('fk_service_log_profile_id_volunteer_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_log'))
    )
    with op.batch_alter_table('service_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_log_profile_id'), ['profile_id'], unique=False)


    op.create_table('outcome_pulse',
    sa.Column('match_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('moment', sa.String(length=16), nullable=False),
    sa.Column('asked_at', sa.DateTime(), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_outcome_pulse_match_id_match'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_pulse')),
    sa.UniqueConstraint('match_id', 'role', 'moment', name='uq_outcome_pulse_once')
    )
    with op.batch_alter_table('outcome_pulse', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcome_pulse_match_id'), ['match_id'], unique=False)


def downgrade() -> None:
    op.drop_table('outcome_pulse')
    op.drop_table('service_log')
    op.drop_table('wellbeing_check')
