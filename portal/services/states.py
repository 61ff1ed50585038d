"""The one function that changes a state column: checks, records who and when, audits."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.models import utcnow
from portal.security import audit
from portal.services.errors import InvalidTransition


def transition(session: Session, obj, to, *, actor=None, reason: str | None = None) -> None:
    """Move ``obj`` (a model with ``state`` and ``TRANSITIONS``) to state ``to``.

    Raises InvalidTransition if the model's state machine does not allow it.
    """
    current = obj.state
    to = type(current)(to)
    if to not in obj.TRANSITIONS[current]:
        raise InvalidTransition(f"cannot go from {current} to {to}")
    obj.state = to
    obj.state_changed_at = utcnow()
    session.flush()
    audit.record(
        session, actor=actor, action="transition", subject_type=obj.__tablename__,
        subject_id=obj.id, detail=f"{current}->{to}", reason=reason,
    )
