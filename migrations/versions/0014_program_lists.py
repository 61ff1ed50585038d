"""the program's own lists: regions and practice areas edited by an admin

Each entry keeps its code (stored on requests and profiles) and its bit (its place in the
matching engine's encoding) for ever; retiring stops forms offering it, never deletes it.
Seeded with the lists as they stood in ``portal.vocab``, in the same order, so every stored
code and every encoded position stays what it was.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 15:30:00
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

SEED = {
    'practice_areas': (
        ('criminal', 'Criminal'), ('family', 'Family'),
        ('corporate_commercial', 'Corporate / commercial'), ('litigation', 'Civil litigation'),
        ('real_estate', 'Real estate'), ('wills_estates', 'Wills and estates'),
        ('employment', 'Employment and labour'), ('immigration', 'Immigration'),
        ('government', 'Government'), ('in_house', 'In-house'), ('academic', 'Academic'),
        ('legal_aid', 'Legal aid'), ('indigenous', 'Indigenous law'), ('tax', 'Tax'),
        ('other', 'Other'),
    ),
    'regions': (
        ('calgary', 'Calgary'), ('edmonton', 'Edmonton'), ('red_deer', 'Red Deer'),
        ('lethbridge', 'Lethbridge'), ('medicine_hat', 'Medicine Hat'),
        ('grande_prairie', 'Grande Prairie'), ('fort_mcmurray', 'Fort McMurray'),
        ('rural_north', 'Rural north'), ('rural_south', 'Rural south'),
    ),
}


def upgrade() -> None:
    table = op.create_table('program_list_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_name', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('label_fr', sa.String(length=80), nullable=True),
    sa.Column('bit', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_program_list_entry_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_list_entry')),
    sa.UniqueConstraint('list_name', 'bit', name='uq_program_list_entry_bit'),
    sa.UniqueConstraint('list_name', 'code', name='uq_program_list_entry_code')
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(table, [
        dict(list_name=name, code=code, label=label, bit=i, position=i, updated_at=now)
        for name, entries in SEED.items() for i, (code, label) in enumerate(entries)])


def downgrade() -> None:
    op.drop_table('program_list_entry')
