"""The second sign-in step for staff: who is waiting at it, and whether their code or passkey
lets them in.

The codes themselves (TOTP, recovery codes, enrolment) are ``portal.services.mfa`` and the
passkey ceremonies ``portal.services.passkeys``; this is the step around them, with the same
failure counter as the password step.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from portal.models import User
from portal.security import audit
from portal.services import accounts, mfa, passkeys


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


def check_passkey(session: Session, user: User, party: passkeys.RelyingParty, state, credential,
                  *, purpose: str = passkeys.SIGN_IN, ip: str | None = None) -> bool:
    """True when ``credential`` is a fresh signature of the challenge in ``state`` by a passkey
    of ``user``.

    The same rules as a code: a resting account is refused unseen, a failure counts, and either
    way the attempt is audited (the passkey's id on success, the reason's code on failure).
    """
    passkey, refused = None, "resting"
    if not accounts.is_resting(user):
        try:
            passkey = passkeys.verify(session, user, party, state, credential, purpose)
        except passkeys.PasskeyRefused as error:
            refused = error.code
    if passkey is not None:
        user.failed_logins = 0
    elif refused != "resting":
        accounts.record_failure(user)
    audit.record(session, actor=user, action="passkey_ok" if passkey else "passkey_fail",
                 subject_type="user_account", subject_id=user.id, ip=ip,
                 detail=str(passkey.id) if passkey else refused)
    return passkey is not None
