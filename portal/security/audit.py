"""The one way to write an audit event: hash-chained, in the caller's transaction.

The event carries codes and ids only. A failed audit write fails the whole action,
so nothing sensitive is shown or changed without its record (fail closed). Each event
names the request or job it came from: the boundary sets ``request_id`` (a context
variable), so services never need Flask to pass it on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from contextvars import ContextVar
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import AuditEvent, AuditHead, utcnow
from portal.security import crypto

GENESIS = "0" * 64
# The request (a uuid) or job ("outbox-<id>") now running in this thread; set at its boundary.
request_id: ContextVar[str | None] = ContextVar("audit_request_id", default=None)


def _digest(prev_hash: str, fields: dict) -> str:
    payload = json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}|{payload}".encode()).hexdigest()


def _chained_fields(event: AuditEvent) -> dict:
    return {
        "ts": event.ts.isoformat(), "actor_id": str(event.actor_id) if event.actor_id else None,
        "actor_role": event.actor_role, "action": event.action,
        "subject_type": event.subject_type, "subject_id": event.subject_id,
        "detail": event.detail, "reason": event.reason, "request_id": event.request_id,
    }


def hash_ip(ip: str | None) -> str | None:
    """A keyed, truncated hash: enough to tell sources apart, not to recover the address."""
    if not ip:
        return None
    return hmac.new(crypto.keyring().index_key, f"ip:{ip}".encode(), hashlib.sha256).hexdigest()[:16]


def record(
    session: Session,
    *,
    actor=None,
    action: str,
    subject_type: str | None = None,
    subject_id: str | uuid.UUID | None = None,
    detail: str | None = None,
    reason: str | None = None,
    ip: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain (locks the chain head until the caller commits)."""
    head = session.execute(sa.select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar()
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS)
        session.add(head)
    event = AuditEvent(
        ts=at or utcnow(), actor_id=getattr(actor, "id", None),
        actor_role=str(actor.role) if actor is not None and hasattr(actor, "role") else None,
        action=action, subject_type=subject_type,
        subject_id=str(subject_id) if subject_id is not None else None,
        detail=detail, reason=reason, request_id=request_id.get(), ip_hash=hash_ip(ip),
    )
    event.prev_hash = head.last_hash
    event.hash = _digest(head.last_hash, _chained_fields(event))
    head.last_hash = event.hash
    session.add(event)
    return event


def verify_chain(session: Session) -> int | None:
    """The id of the first event whose hash does not follow from its predecessor, or None."""
    previous = GENESIS
    for event in session.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).scalars():
        if event.prev_hash != previous or event.hash != _digest(previous, _chained_fields(event)):
            return event.id
        previous = event.hash
    return None
