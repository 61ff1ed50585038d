"""Two-factor sign-in for staff: TOTP (RFC 6238) with replay protection, and recovery codes.

A code is accepted for the current 30-second step or one step either side (clock drift on
phones is common); a step once used can never be used again, so a code seen over someone's
shoulder is worthless a moment later.
"""

from __future__ import annotations

import hmac
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Passkey, RecoveryCode, User, utcnow
from portal.security import audit, passwords

STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10
ISSUER = "Member portal"


def new_secret() -> str:
    """A 160-bit base32 seed."""
    return pyotp.random_base32()


def provisioning_uri(secret: str) -> str:
    """What the authenticator app scans; neutral names only (no email, no program words)."""
    return pyotp.TOTP(secret).provisioning_uri(name="Staff sign-in", issuer_name=ISSUER)


def qr_data_uri(secret: str) -> str:
    """The QR code as an SVG data URI, drawn here (nothing is fetched from elsewhere)."""
    return segno.make(provisioning_uri(secret), error="m").svg_data_uri(scale=5, border=2)


def _matching_step(secret: str, code: str, after_step: int, now: float) -> int | None:
    totp = pyotp.TOTP(secret)
    current = int(now // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > after_step and hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _clean(code: str) -> str:
    # ASCII only: codes are digits or hex, and compare_digest refuses other characters.
    return "".join(ch for ch in code if ch.isascii() and ch.isalnum()).lower()


def verify_code(session: Session, user: User, code: str, *, now: float | None = None) -> bool:
    """True and the step is spent when ``code`` is a fresh TOTP code of ``user``."""
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, _clean(code), user.totp_last_step or -1,
                          time.time() if now is None else now)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def use_recovery_code(session: Session, user: User, code: str) -> bool:
    """True when ``code`` is one of the user's unused recovery codes; it is then spent."""
    typed = _clean(code)
    unused = session.execute(sa.select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).scalars()
    for stored in unused:
        if passwords.verify_password(stored.code_hash, typed):
            stored.used_at = utcnow()
            audit.record(session, actor=user, action="mfa_recovery", subject_type="user_account",
                         subject_id=user.id)
            return True
    return False


def enrol(session: Session, user: User, secret: str, code: str, *, now: float | None = None) -> list[str] | None:
    """Turn on the second factor if ``code`` proves the app holds ``secret``; the recovery codes.

    Returns None when the code does not match (nothing is changed then).
    """
    step = _matching_step(secret, _clean(code), -1, time.time() if now is None else now)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_last_step = step
    user.mfa_enrolled_at = utcnow()
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["-".join(secrets.token_hex(2) for _ in range(4)) for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=passwords.hash_password(_clean(c)))
                    for c in codes)
    audit.record(session, actor=user, action="mfa_enrol", subject_type="user_account",
                 subject_id=user.id)
    return codes


def reset(session: Session, user: User, *, actor=None) -> None:
    """Forget the second factor, passkeys too (lost phone): the next sign-in sets it up again."""
    user.totp_secret = None
    user.totp_last_step = None
    user.mfa_enrolled_at = None
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.execute(sa.delete(Passkey).where(Passkey.user_id == user.id))
    user.session_epoch += 1
    audit.record(session, actor=actor, action="mfa_reset", subject_type="user_account",
                 subject_id=user.id)
