"""The one way to write an audit event: hash-chained, in the caller's transaction.

The event carries codes and ids only. A failed audit write fails the whole action,
so nothing sensitive is shown or changed without its record (fail closed). Each event
names the request or job it came from: the boundary sets ``request_id`` (a context
variable), so services never need Flask to pass it on.

The chain is keyed: each event's hash is an HMAC-SHA256, under a key that lives in the
environment (``AUDIT_KEY``), never in the database, of the previous hash and the event's
fields. Someone who can write the database can change a row but cannot give it a hash that
verifies, nor rebuild the chain after it. Each event names the key id that signed it, so a
rotated key keeps verifying while it stays listed. Events written before the key (key id
NULL) carry the old plain SHA-256 and verify as a prefix only: an unkeyed event after a
keyed one, or after ``AUDIT_LEGACY_UNTIL``, is a break.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import AuditEvent, AuditHead, utcnow
from portal.models.audit import KEY_ID_LENGTH
from portal.security import crypto

GENESIS = "0" * 64
# The request (a uuid) or job ("outbox-<id>") now running in this thread; set at its boundary.
request_id: ContextVar[str | None] = ContextVar("audit_request_id", default=None)

# What a verification can find wrong with an event (or with the head, after the last one).
PROBLEMS = {
    "hash_mismatch": "hash mismatch (its fields do not match its hash)",
    "prev_hash_mismatch": "prev_hash mismatch (it does not follow the event before it: "
                          "an event was removed, inserted or reordered)",
    "unknown_key_id": "unknown key id (signed by a key that AUDIT_KEY does not list)",
    "unkeyed_event": "unkeyed event (a plain SHA-256 hash where only keyed hashes belong)",
    "head_mismatch": "head mismatch against audit_head (events removed or added at the end)",
}


@dataclass(frozen=True)
class AuditKeys:
    """The chain's HMAC keys by id, the first signing new events; and the legacy boundary."""

    keys: dict[str, bytes]
    current: str
    legacy_until: int | None = None

    @classmethod
    def parse(cls, value: str, legacy_until: int | None = None) -> AuditKeys:
        """Read ``"id1:base64,id2:base64"`` as DATA_KEYS is read (the first is current)."""
        keys = crypto.parse_keys(value, "AUDIT_KEY", max_id=KEY_ID_LENGTH)
        return cls(keys=keys, current=next(iter(keys)), legacy_until=legacy_until)


_keys: AuditKeys | None = None


def configure(keys: AuditKeys) -> None:
    """Install the process-wide audit keys (called by the app factory)."""
    global _keys
    _keys = keys


def audit_keys() -> AuditKeys:
    if _keys is None:
        raise crypto.CryptoError("the audit key is not configured")
    return _keys


# ---------------------------------------------------------------- hashes

def _payload(fields: dict) -> str:
    return json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))


def _legacy_digest(prev_hash: str, row) -> str:
    """The plain SHA-256 of events written before AUDIT_KEY (kept exactly, to verify them)."""
    fields = _chained_fields(row)
    return hashlib.sha256(f"{prev_hash}|{_payload(fields)}".encode()).hexdigest()


def _keyed_digest(key: bytes, prev_hash: str, row) -> str:
    """HMAC-SHA256 of the previous hash and every stored field but the id and the hashes."""
    fields = {**_chained_fields(row), "ip_hash": row.ip_hash, "key_id": row.key_id}
    return hmac.new(key, f"{prev_hash}|{_payload(fields)}".encode(), hashlib.sha256).hexdigest()


def _chained_fields(event) -> dict:
    return {
        "ts": event.ts.isoformat(), "actor_id": str(event.actor_id) if event.actor_id else None,
        "actor_role": event.actor_role, "action": event.action,
        "subject_type": event.subject_type, "subject_id": event.subject_id,
        "detail": event.detail, "reason": event.reason, "request_id": event.request_id,
    }


def seal(text: str) -> str:
    """``key_id:HMAC`` of ``text`` under the current audit key, for a mark only we can make."""
    keys = audit_keys()
    digest = hmac.new(keys.keys[keys.current], text.encode(), hashlib.sha256).hexdigest()
    return f"{keys.current}:{digest}"


def is_sealed(text: str, value: str | None) -> bool:
    """Whether ``value`` is ``seal(text)`` under any listed audit key."""
    key_id, _, digest = (value or "").partition(":")
    key = audit_keys().keys.get(key_id)
    expected = key and hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    return bool(expected) and hmac.compare_digest(expected.encode(), digest.encode())


def hash_ip(ip: str | None) -> str | None:
    """A keyed, truncated hash: enough to tell sources apart, not to recover the address."""
    if not ip:
        return None
    return hmac.new(crypto.keyring().index_key, f"ip:{ip}".encode(), hashlib.sha256).hexdigest()[:16]


# ---------------------------------------------------------------- writing

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
    keys = audit_keys()  # first: without the key, no event, so no action (fail closed)
    at = at or utcnow()
    if at.tzinfo is None:
        raise ValueError("naive datetime given where UTC is required")
    head = session.execute(sa.select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar()
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS)
        session.add(head)
    event = AuditEvent(
        # In UTC, as the database gives it back: the hash covers the time as it will be read.
        ts=at.astimezone(UTC), actor_id=getattr(actor, "id", None),
        actor_role=str(actor.role) if actor is not None and hasattr(actor, "role") else None,
        action=action, subject_type=subject_type,
        subject_id=str(subject_id) if subject_id is not None else None,
        detail=detail, reason=reason, request_id=request_id.get(), ip_hash=hash_ip(ip),
        key_id=keys.current,
    )
    event.prev_hash = head.last_hash
    event.hash = _keyed_digest(keys.keys[keys.current], head.last_hash, event)
    head.last_hash = event.hash
    session.add(event)
    return event


# ---------------------------------------------------------------- verifying

@dataclass(frozen=True)
class Break:
    """The first link that does not hold: the event (None: an empty chain), its time, what."""

    event_id: int | None
    ts: datetime | None
    problem: str

    @property
    def words(self) -> str:
        return PROBLEMS[self.problem]


@dataclass(frozen=True)
class Verification:
    """A walk of the chain: the events that verified, in order, and the first break if any."""

    events: int
    unkeyed: int  # of those, written before AUDIT_KEY
    broken: Break | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None


_COLUMNS = [AuditEvent.id, AuditEvent.ts, AuditEvent.actor_id, AuditEvent.actor_role,
            AuditEvent.action, AuditEvent.subject_type, AuditEvent.subject_id, AuditEvent.detail,
            AuditEvent.reason, AuditEvent.request_id, AuditEvent.ip_hash, AuditEvent.key_id,
            AuditEvent.prev_hash, AuditEvent.hash]


def verify(session: Session, *, batch: int = 1000) -> Verification:
    """Walk the whole chain in id order, ``batch`` rows at a time, to its first break.

    Pages are read by id (keyset), as plain rows, so memory stays flat however long the
    chain. The head is read before each page: events appended during the walk are walked
    too, and the walk ends only where the head and the last event agree, or disagree.
    """
    keys = audit_keys()
    previous, events, unkeyed, keyed_seen = GENESIS, 0, 0, False
    last: sa.Row | None = None
    while True:
        head = session.execute(sa.select(AuditHead.last_hash).where(AuditHead.id == 1)).scalar()
        page = sa.select(*_COLUMNS).order_by(AuditEvent.id).limit(batch)
        if last is not None:
            page = page.where(AuditEvent.id > last.id)
        try:
            rows = session.execute(page).all()
        except (ValueError, TypeError):  # a field no longer reads as its type: it was written over
            row_id = _first_unreadable(session, page)
            return Verification(events, unkeyed, Break(row_id, None, "hash_mismatch"))
        if not rows:
            broken = None
            if (head or GENESIS) != previous:
                broken = Break(last.id if last else None, last.ts if last else None,
                               "head_mismatch")
            return Verification(events, unkeyed, broken)
        for row in rows:
            problem = _problem(row, previous, keyed_seen, keys)
            if problem:
                return Verification(events, unkeyed, Break(row.id, row.ts, problem))
            previous, last, events = row.hash, row, events + 1
            keyed_seen = keyed_seen or row.key_id is not None
            unkeyed += row.key_id is None


def _first_unreadable(session: Session, page: sa.Select) -> int | None:
    """The first id of ``page`` whose row cannot be read back (rare: only after tampering)."""
    ids = session.execute(page.with_only_columns(AuditEvent.id)).scalars().all()
    for row_id in ids:
        try:
            session.execute(sa.select(*_COLUMNS).where(AuditEvent.id == row_id)).one()
        except (ValueError, TypeError):
            return row_id
    return None


def _problem(row, previous: str, keyed_seen: bool, keys: AuditKeys) -> str | None:
    """What is wrong with ``row`` following an event whose hash is ``previous``, if anything."""
    if row.prev_hash != previous:
        return "prev_hash_mismatch"
    if row.key_id is None:
        after_boundary = keys.legacy_until is not None and row.id > keys.legacy_until
        if keyed_seen or after_boundary:
            return "unkeyed_event"
        expected = _legacy_digest(previous, row)
    elif row.key_id in keys.keys:
        expected = _keyed_digest(keys.keys[row.key_id], previous, row)
    else:
        return "unknown_key_id"
    return None if hmac.compare_digest(row.hash.encode(), expected.encode()) else "hash_mismatch"


def verify_chain(session: Session) -> int | None:
    """The id of the first event whose hash does not follow from its predecessor, or None.

    A head that does not name the last event is a break at the last event (0: no event).
    """
    broken = verify(session).broken
    return None if broken is None else broken.event_id or 0
