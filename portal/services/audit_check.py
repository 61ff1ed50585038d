"""The audit chain's periodic check: its result is remembered, and admins hear of a break once.

The clock runs ``check_chain`` daily. /healthz reads the remembered result (``chain_state``),
never walks the chain itself. Admins are told of each break once: the break they were told
of is kept sealed with the audit key, so a row forged without the key cannot silence the
next alert. A chain found intact again forgets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from portal.models import AuditCheck, utcnow
from portal.models.base import seconds_since
from portal.security import audit
from portal.services import notifications

CHECK_ROW = 1


@dataclass(frozen=True)
class Outcome:
    """A check: the walk's result, and how many admins were told of a break just now."""

    verification: audit.Verification
    told: int = 0


def check_chain(session: Session, *, now: datetime | None = None) -> Outcome:
    """Verify the whole chain, remember the result, and notify admins of a break that is new."""
    result = audit.verify(session)
    state = session.get(AuditCheck, CHECK_ROW)
    if state is None:
        state = AuditCheck(id=CHECK_ROW)
        session.add(state)
    state.checked_at, state.events = now or utcnow(), result.events
    broken = result.broken
    state.broken_id = broken.event_id if broken else None
    state.problem = broken.problem if broken else None
    if broken is None:
        state.alerted_seal = None
        return Outcome(result)
    mark = f"audit-alerted|{broken.event_id}|{broken.problem}"
    if audit.is_sealed(mark, state.alerted_seal):
        return Outcome(result)
    told = notifications.notify_admins(session, "audit_broken")
    if told:  # with no admin to tell yet, the next check tries again
        state.alerted_seal = audit.seal(mark)
    return Outcome(result, len(told))


def chain_state(session: Session, *, max_age_seconds: float, now: datetime | None = None) -> str:
    """The last check in a word: intact, broken, stale (not checked lately) or unchecked."""
    state = session.get(AuditCheck, CHECK_ROW)
    if state is None:
        return "unchecked"
    if state.problem is not None:
        return "broken"
    if seconds_since(state.checked_at, now or utcnow()) > max_age_seconds:
        return "stale"
    return "intact"
