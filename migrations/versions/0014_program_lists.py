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

# (code, English words, French words when they differ)
SEED = {
    'practice_areas': (
        ('criminal', 'Criminal', 'Droit criminel'), ('family', 'Family', 'Droit de la famille'),
        ('corporate_commercial', 'Corporate / commercial', 'Droit des affaires / commercial'),
        ('litigation', 'Civil litigation', 'Litige civil'),
        ('real_estate', 'Real estate', 'Droit immobilier'),
        ('wills_estates', 'Wills and estates', 'Testaments et successions'),
        ('employment', 'Employment and labour', "Droit de l'emploi et du travail"),
        ('immigration', 'Immigration', None), ('government', 'Government', 'Fonction publique'),
        ('in_house', 'In-house', "Contentieux d'entreprise"),
        ('academic', 'Academic', 'Milieu universitaire'),
        ('legal_aid', 'Legal aid', 'Aide juridique'),
        ('indigenous', 'Indigenous law', 'Droit autochtone'), ('tax', 'Tax', 'Droit fiscal'),
        ('other', 'Other', 'Autre'),
    ),
    'regions': (
        ('calgary', 'Calgary', None), ('edmonton', 'Edmonton', None),
        ('red_deer', 'Red Deer', None), ('lethbridge', 'Lethbridge', None),
        ('medicine_hat', 'Medicine Hat', None), ('grande_prairie', 'Grande Prairie', None),
        ('fort_mcmurray', 'Fort McMurray', None), ('rural_north', 'Rural north', 'Nord rural'),
        ('rural_south', 'Rural south', 'Sud rural'),
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
        dict(list_name=name, code=code, label=label, label_fr=label_fr, bit=i, position=i,
             updated_at=now)
        for name, entries in SEED.items() for i, (code, label, label_fr) in enumerate(entries)])


def downgrade() -> None:
    op.drop_table('program_list_entry')
