"""volunteer codes as bit masks: experience, boundaries and languages

The three JSON lists of each volunteer profile become integers, bit i for the i-th code of
the vocabulary (the order of ``portal.vocab``, frozen here as it stood), so loading the
volunteer pool is a fetch of numbers instead of 30,000 JSON parses. Unknown codes were
never accepted by the forms and are dropped.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

CONCERNS = ('stress_burnout', 'anxiety', 'depression', 'alcohol', 'other_drugs',
            'behavioural_addiction', 'grief_loss', 'family_relationships', 'illness_disability',
            'career_transition', 'practice_pressures', 'discipline_complaint', 'financial_stress',
            'trauma', 'isolation', 'caregiving', 'other')
LANGUAGES = ('en', 'fr', 'es', 'pa', 'zh', 'tl', 'ar', 'cr', 'other')
COLUMNS = (('experience', CONCERNS), ('boundaries', CONCERNS), ('languages', LANGUAGES))


def _mask(codes, stored) -> int:
    if isinstance(stored, str):
        stored = json.loads(stored)
    return sum(1 << codes.index(code) for code in set(stored or ()) if code in codes)


def _codes(codes, mask) -> list:
    return [code for i, code in enumerate(codes) if mask >> i & 1]


def _convert(lists_to_masks: bool) -> None:
    bind = op.get_bind()
    lists = [sa.column(name, sa.JSON()) for name, _codes in COLUMNS]
    masks = [sa.column(f'{name}_mask', sa.Integer()) for name, _codes in COLUMNS]
    table = sa.table('volunteer_profile', sa.column('id', sa.Uuid()), *lists, *masks)
    source, target = (lists, masks) if lists_to_masks else (masks, lists)
    for row in bind.execute(sa.select(table.c.id, *source)).all():
        values = {}
        for i, (name, codes) in enumerate(COLUMNS):
            stored = row[i + 1]
            values[target[i].name] = _mask(codes, stored) if lists_to_masks else _codes(codes, stored)
        bind.execute(table.update().where(table.c.id == row.id).values(**values))


def upgrade() -> None:
    for name, _codes in COLUMNS:
        op.add_column('volunteer_profile', sa.Column(f'{name}_mask', sa.Integer(), nullable=False,
                                                     server_default='0'))
    _convert(lists_to_masks=True)
    for name, _codes in COLUMNS:
        op.drop_column('volunteer_profile', name)


def downgrade() -> None:
    for name, _codes in COLUMNS:
        op.add_column('volunteer_profile', sa.Column(name, sa.JSON(), nullable=True))
    _convert(lists_to_masks=False)
    with op.batch_alter_table('volunteer_profile') as batch:
        for name, _codes in COLUMNS:
            batch.alter_column(name, existing_type=sa.JSON(), nullable=False)
            batch.drop_column(f'{name}_mask')
