"""The second sign-in step for staff: who is waiting at it, and whether their code lets them in.

The codes themselves (TOTP, recovery codes, enrolment) are ``portal.services.mfa``; this is
the step around them, with the same failure counter as the password step.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from portal.models import User
from portal.security import audit
from portal.services import accounts, mfa


def pending_user(session: Session, user_id: str | None, epoch: int | None) -> User | None:
    """The staff member who passed the password step, while the account may still sign in.

    ``user_id`` and ``epoch`` are what the password step left in the browser session; ending
    the account's sessions since (a new epoch) or disabling it sends them back to the start.
    """
    try:
        user = session.get(User, uuid.UUID(user_id or ""))
    except ValueError:
        return None
    if user is None or not user.is_active or user.session_epoch != epoch:
        return None
    return user


def check_code(session: Session, user: User, code: str, *, ip: str | None = None) -> bool:
    """True when ``code`` is a fresh app code or an unused recovery code of ``user``.

    An account resting after repeated failures is refused without looking at the code; a
    wrong code counts as a failure. Either way the attempt is audited.
    """
    resting = accounts.is_resting(user)
    ok = not resting and (mfa.verify_code(session, user, code)
                          or mfa.use_recovery_code(session, user, code))
    if ok:
        user.failed_logins = 0
    elif not resting:
        accounts.record_failure(user)
    audit.record(session, actor=user, action="mfa_ok" if ok else "mfa_fail",
                 subject_type="user_account", subject_id=user.id, ip=ip)
    return ok
