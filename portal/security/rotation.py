"""Re-encrypt every EncryptedField with the current key, in batches."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Base
from portal.security.crypto import EncryptedField


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
