"""Key rotation: re-encrypt every EncryptedField with the current key, in batches; recompute
every blind index under the current BLIND_INDEX_KEY from the decrypted values."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Base
from portal.security.crypto import EncryptedField, blind_index, key_id_of


def encrypted_fields(model) -> list[EncryptedField]:
    return [value for value in vars(model).values() if isinstance(value, EncryptedField)]


def rotate_all(session: Session, batch: int = 500) -> int:
    """Number of values re-sealed; rows already on the current key are left alone."""
    changed = 0
    for mapper in Base.registry.mappers:
        model = mapper.class_
        fields = encrypted_fields(model)
        if not fields:
            continue
        offset = 0
        while True:
            rows = session.execute(
                sa.select(model).order_by(*mapper.primary_key).offset(offset).limit(batch)
            ).scalars().all()
            if not rows:
                break
            changed += sum(field.rotate(row) for row in rows for field in fields)
            session.commit()
            offset += batch
    return changed


def values_by_key(session: Session) -> Counter:
    """How many stored values each data key id seals (what a rotation has left to do)."""
    used: Counter = Counter()
    for mapper in Base.registry.mappers:
        for field in encrypted_fields(mapper.class_):
            column = mapper.local_table.c[field.column]
            for token in session.execute(sa.select(column).where(column.is_not(None))).scalars():
                used[key_id_of(bytes(token))] += 1
    return used


def blind_indexed() -> list[tuple[type, str, str, str]]:
    """(model, encrypted field, index column, purpose) of every blind index the portal keeps."""
    from portal.models import ConflictEntry, Invitation, User

    return [(User, "email", "email_index", "email"), (Invitation, "email", "email_index", "email"),
            (ConflictEntry, "value", "value_index", "name")]


def reindex_all(session: Session) -> int:
    """Recompute every blind index under the current key; one transaction, so comparisons
    between stored indexes never see half of them changed. Returns how many changed."""
    changed = 0
    for model, field, column, purpose in blind_indexed():
        for row in session.execute(sa.select(model)).scalars():
            value = getattr(row, field)
            if value is None:
                continue
            fresh = blind_index(value, purpose)
            if getattr(row, column) != fresh:
                setattr(row, column, fresh)
                changed += 1
    session.commit()
    return changed
