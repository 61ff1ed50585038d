"""privacy: a request sent with an unproven address waits for its owner to confirm it; whether a
volunteer who is asked may see the person's region; the words given with a reveal; staff names

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 12:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('intake', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_email_ct', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('claim_password_hash', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('claim_nonce', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('claim_sent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('share_region', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('kept_period', sa.String(length=8), nullable=True))
    # Requests sent before this came from a signed-in person or a new account of theirs.
    intake = sa.table('intake', sa.column('email_confirmed_at', sa.DateTime),
                      sa.column('submitted_at', sa.DateTime),
                      sa.column('participant_id', sa.Uuid))
    op.execute(intake.update().where(intake.c.participant_id.isnot(None))
               .values(email_confirmed_at=intake.c.submitted_at))
    op.create_table('reveal_note',
    sa.Column('intake_id', sa.Uuid(), nullable=False),
    sa.Column('audit_event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('words_ct', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['intake_id'], ['intake.id'], name=op.f('fk_reveal_note_intake_id_intake'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reveal_note'))
    )
    with op.batch_alter_table('reveal_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reveal_note_intake_id'), ['intake_id'], unique=False)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('display_name', sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('display_name')
    with op.batch_alter_table('reveal_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reveal_note_intake_id'))
    op.drop_table('reveal_note')
    with op.batch_alter_table('intake', schema=None) as batch_op:
        batch_op.drop_column('kept_period')
        batch_op.drop_column('share_region')
        batch_op.drop_column('email_confirmed_at')
        batch_op.drop_column('claim_sent_at')
        batch_op.drop_column('claim_nonce')
        batch_op.drop_column('claim_password_hash')
        batch_op.drop_column('claim_email_ct')
