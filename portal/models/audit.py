"""The append-only, hash-chained audit log. No free text and no personal values in it."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, utcnow

KEY_ID_LENGTH = 16  # an AUDIT_KEY id, e.g. "a1" or "2027-01"


class AuditEvent(Base):
    """Who did or viewed what, when. Database triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    actor_role: Mapped[str | None] = mapped_column(sa.String(16))
    action: Mapped[str] = mapped_column(sa.String(32), index=True)
    subject_type: Mapped[str | None] = mapped_column(sa.String(32))
    subject_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    detail: Mapped[str | None] = mapped_column(sa.String(64))  # a code, e.g. a state or field name
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    request_id: Mapped[str | None] = mapped_column(sa.String(36))
    ip_hash: Mapped[str | None] = mapped_column(sa.String(16))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The AUDIT_KEY id whose HMAC made ``hash``; NULL: written before the key (plain SHA-256).
    key_id: Mapped[str | None] = mapped_column(sa.String(KEY_ID_LENGTH))


class AuditHead(Base):
    """The latest hash of the chain; its row lock serialises concurrent audit writers."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(sa.String(64))


class AuditCheck(Base):
    """The last verification of the chain (for /healthz) and the break admins were told of."""

    __tablename__ = "audit_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime]
    events: Mapped[int] = mapped_column(sa.BigInteger)
    broken_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    problem: Mapped[str | None] = mapped_column(sa.String(32))
    # The break admins were told of, sealed with the audit key: a row written by someone
    # without the key cannot make the clock believe a new break was already reported.
    alerted_seal: Mapped[str | None] = mapped_column(sa.String(100))
