"""Declarative base, UTC timestamps and UUID primary keys shared by every model."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def seconds_since(moment: datetime, now: datetime) -> float:
    """Whole-ish seconds from ``moment`` to ``now``, never negative.

    Aggregates such as ``min()`` bypass the column type and come back naive: they are UTC.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(max(0.0, (now - moment).total_seconds()), 1)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite has no time zones)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}

    def __init__(self, **kwargs):
        # Encrypted fields use the row id as associated data, so the id comes first.
        id_column = self.__mapper__.columns.get("id")
        if id_column is not None and isinstance(id_column.type, sa.Uuid) and "id" not in kwargs:
            self.id = uuid.uuid4()
        for key, value in kwargs.items():
            if not hasattr(type(self), key):
                raise TypeError(f"{type(self).__name__} has no attribute {key!r}")
            setattr(self, key, value)


class UUIDKey:
    """A client-generated UUID primary key (known before insert, see EncryptedField)."""

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def enum_column(enum_cls, *, length: int = 24, **kwargs):
    """A portable enum column stored as its string values (no native PG enum to migrate)."""
    return mapped_column(
        sa.Enum(enum_cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e],
                validate_strings=True),
        **kwargs,
    )
