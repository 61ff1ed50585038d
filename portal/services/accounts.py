"""Creating accounts and signing in, with a per-account failure counter kept in the database."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Role, ServerSession, User, utcnow
from portal.security import audit, passwords
from portal.security.crypto import blind_index, blind_indexes
from portal.services import language
from portal.services.errors import DomainError

FREE_FAILURES = 5
LOCK_AFTER = 20
LOCK_MINUTES = 15


class EmailTaken(DomainError):
    """An account with this email exists."""


def find_by_email(session: Session, email: str) -> User | None:
    return session.execute(
        sa.select(User).where(User.email_index.in_(blind_indexes(email, "email")))
    ).scalar()


def create_user(session: Session, *, email: str, password: str | None, role: Role | str,
                actor=None) -> User:
    """A new account; the email is stored encrypted and found again through its blind index."""
    if find_by_email(session, email) is not None:
        raise EmailTaken("An account with this email already exists.")
    user = User(role=Role(role), email=email.strip(), email_index=blind_index(email, "email"))
    if password is not None:
        user.password_hash = passwords.hash_password(password)
    session.add(user)
    session.flush()
    audit.record(session, actor=actor or user, action="create", subject_type="user_account",
                 subject_id=user.id, detail=str(user.role))
    return user


def authenticate(session: Session, email: str, password: str, *,
                 ip: str | None = None, language_code: str | None = None) -> User | None:
    """The user if the password is right and the account may sign in; None otherwise.

    An account with no language yet keeps ``language_code``, the one read while signing in.

    After FREE_FAILURES failures each attempt must wait longer; after LOCK_AFTER the account
    rests for LOCK_MINUTES and then unlocks by itself, so nobody can lock a person out for good.
    """
    user = find_by_email(session, email)
    now = utcnow()
    locked = user is not None and user.locked_until is not None and user.locked_until > now
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or locked or not user.is_active:
        if user is not None and not locked:
            record_failure(user, now)
        audit.record(session, actor=user, action="login_fail", subject_type="user_account",
                     subject_id=user.id if user else None, ip=ip)
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    user.language = user.language or language.known(language_code)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    audit.record(session, actor=user, action="login_ok", subject_type="user_account",
                 subject_id=user.id, ip=ip)
    return user


def is_resting(user: User) -> bool:
    """True while the account waits out a delay after repeated failures."""
    return user.locked_until is not None and user.locked_until > utcnow()


def record_failure(user: User, now=None) -> None:
    """Count a failed password or code: growing delays after a few, a rest after many."""
    now = now or utcnow()
    user.failed_logins += 1
    if user.failed_logins >= LOCK_AFTER:
        user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        user.failed_logins = 0
    elif user.failed_logins > FREE_FAILURES:
        user.locked_until = now + timedelta(seconds=2 ** (user.failed_logins - FREE_FAILURES - 1))


def end_sessions(session: Session, user: User) -> None:
    """Every session of ``user`` ends now: the rows go and the epoch moves on."""
    user.session_epoch += 1
    session.execute(sa.delete(ServerSession).where(ServerSession.user_id == user.id))
