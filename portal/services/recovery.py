"""Getting back in, and keeping an account's details current.

*Forgot my password*: whatever address is typed, the page says the same and nothing else
happens that a stranger could see; an account that may recover (a participant's or a
volunteer's; staff recover through an admin) gets a neutral email with a signed link that
expires (``RESET_LINK_MINUTES``, 30 by default) and works once: it carries a stamp of the
current password, so it dies when the password changes. Using it ends every session of the
account. Asking is limited per account here (``RESETS_PER_HOUR``) and per address and per
source at the route.

Signed in, a person changes their password, email or phone after typing their password
again. A new email is used only once the link sent to it is pressed; the old address is then
told, neutrally.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from portal.config import signing_keys
from portal.i18n import gettext as _
from portal.models import AddressNotice, AuditEvent, Intake, Role, User, utcnow
from portal.security import audit, passwords
from portal.security.crypto import blind_index
from portal.services import accounts, outbox
from portal.services.errors import DomainError

RESET_SALT = "password-reset"
EMAIL_SALT = "email-change"
RESET_PATH = "/sign-in/reset/"
EMAIL_PATH = "/account/email/"
RESETS_PER_HOUR = 3
EMAIL_LINK_DAYS = 2


class LinkInvalid(DomainError):
    status = 404


class LinkGone(DomainError):
    status = 410


class WrongPassword(DomainError):
    status = 422


def reset_minutes() -> int:
    return int(current_app.config["RESET_LINK_MINUTES"])


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(current_app.config), salt=salt)


def _load(session: Session, salt: str, token: str, max_age: int, gone: LinkGone
          ) -> tuple[User | None, dict]:
    """The account a signed link names, and the link's data; raises in plain words when the
    link is not ours (404) or too old (410)."""
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
        return session.get(User, uuid.UUID(data["u"])), data
    except SignatureExpired:
        raise gone from None
    except (BadSignature, KeyError, TypeError, ValueError):
        raise LinkInvalid(_("This link is not valid. Please check that the whole link was "
                            "copied.")) from None


def _stamp(user: User) -> str:
    """A short keyed digest of the current password hash: a changed password voids the link."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, (user.password_hash or "").encode(), hashlib.sha256).hexdigest()[:20]


# ---------------------------------------------------------------- forgot my password

def may_recover(user: User | None) -> bool:
    return user is not None and user.is_active and not user.role.is_staff


def _asked_lately(session: Session, user: User) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "reset_asked", AuditEvent.subject_id == str(user.id),
        AuditEvent.ts > utcnow() - timedelta(hours=1))).scalar_one()


def request_reset(session: Session, email: str, *, ip: str | None = None) -> None:
    """Send the reset link if ``email`` has an account that may recover this way; else nothing.

    The caller answers the same in every case."""
    user = accounts.find_by_email(session, email.strip())
    if not may_recover(user) or _asked_lately(session, user) >= RESETS_PER_HOUR:
        return
    audit.record(session, actor=user, action="reset_asked", subject_type="user_account",
                 subject_id=user.id, ip=ip)
    outbox.enqueue(session, "send_password_reset", user.id,
                   dedupe_key=f"send_password_reset:{user.id}")


def send_reset_by_admin(session: Session, user: User, *, actor: User) -> None:
    """An admin sends a staff member (or anyone) a reset link; every session of theirs ends."""
    accounts.end_sessions(session, user)
    audit.record(session, actor=actor, action="reset_sent", subject_type="user_account",
                 subject_id=user.id)
    outbox.enqueue(session, "send_password_reset", user.id,
                   dedupe_key=f"send_password_reset:{user.id}:{secrets.token_hex(4)}")


def reset_link(user: User) -> str:
    token = _serializer(RESET_SALT).dumps({"u": str(user.id), "p": _stamp(user)})
    return current_app.config["PUBLIC_URL"].rstrip("/") + RESET_PATH + token


def open_reset(session: Session, token: str) -> User:
    """The account behind a reset link that may still be used; raises in plain words otherwise."""
    gone = LinkGone(_("This link has expired or has already been used. You can ask for a new "
                      "one from the sign-in page."))
    user, data = _load(session, RESET_SALT, token, reset_minutes() * 60, gone)
    if user is None or not user.is_active or not hmac.compare_digest(_stamp(user),
                                                                     str(data.get("p", ""))):
        raise gone
    return user


def reset_password(session: Session, token: str, password: str, *, ip: str | None = None) -> User:
    """Use the link once: the new password, and every session of the account ends."""
    problem = passwords.password_problem(password)
    if problem:
        raise DomainError(problem)
    user = open_reset(session, token)
    user.password_hash = passwords.hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    accounts.end_sessions(session, user)
    audit.record(session, actor=user, action="password_reset", subject_type="user_account",
                 subject_id=user.id, ip=ip)
    return user


# ---------------------------------------------------------------- signed in: my details

def _check(user: User, current_password: str) -> None:
    if not passwords.verify_password(user.password_hash, current_password or ""):
        raise WrongPassword(_("That password is not right. Please try again."))


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """A new password; every other session of the account ends (the caller renews its own)."""
    _check(user, current)
    problem = passwords.password_problem(new)
    if problem:
        raise DomainError(problem)
    user.password_hash = passwords.hash_password(new)
    accounts.end_sessions(session, user)
    audit.record(session, actor=user, action="password_change", subject_type="user_account",
                 subject_id=user.id)


def ask_email_change(session: Session, user: User, *, current: str, new_email: str) -> None:
    """The new address gets a confirmation link; nothing changes until it is used, and the page
    says the same whether or not the address is taken."""
    _check(user, current)
    new_email = new_email.strip()
    user.pending_email = new_email
    user.pending_email_nonce = secrets.token_hex(16)
    user.pending_email_expires_at = utcnow() + timedelta(days=EMAIL_LINK_DAYS)
    audit.record(session, actor=user, action="email_change_asked", subject_type="user_account",
                 subject_id=user.id)
    outbox.enqueue(session, "send_email_change", user.id,
                   dedupe_key=f"send_email_change:{user.id}:{user.pending_email_nonce}")


def email_link(user: User) -> str:
    token = _serializer(EMAIL_SALT).dumps({"u": str(user.id), "n": user.pending_email_nonce})
    return current_app.config["PUBLIC_URL"].rstrip("/") + EMAIL_PATH + token


def open_email_change(session: Session, token: str) -> User:
    """The account behind an email-change link that may still be used."""
    gone = LinkGone(_("This link has expired or has already been used. You can ask again from "
                      "your account page."))
    user, data = _load(session, EMAIL_SALT, token, EMAIL_LINK_DAYS * 24 * 3600, gone)
    if user is None or not user.is_active or not user.pending_email_nonce \
            or not hmac.compare_digest(user.pending_email_nonce, str(data.get("n", ""))) \
            or user.pending_email_expires_at <= utcnow():
        raise gone
    return user


def confirm_email_change(session: Session, token: str) -> User:
    """Use the link once: the account's email becomes the new one; the old address is told."""
    user = open_email_change(session, token)
    new_email, old_email = user.pending_email, user.email
    if accounts.find_by_email(session, new_email) is not None:
        raise accounts.EmailTaken(_("This address is already used by another account, so it "
                                    "cannot be used for this one."))
    user.pending_email = user.pending_email_nonce = user.pending_email_expires_at = None
    user.email, user.email_index = new_email, blind_index(new_email, "email")
    notice = AddressNotice(email=old_email)
    session.add(notice)
    session.flush()
    outbox.enqueue(session, "send_address_notice", notice.id)
    audit.record(session, actor=user, action="email_change", subject_type="user_account",
                 subject_id=user.id)
    return user


def change_phone(session: Session, user: User, *, current: str, phone: str | None) -> Intake:
    """A participant's phone on their request in progress (it is how their peer reaches them)."""
    from portal.services.intake import open_intake_of

    _check(user, current)
    intake = open_intake_of(session, user) if user.role is Role.PARTICIPANT else None
    if intake is None:
        raise DomainError(_("There is no request in progress to change a phone number on."))
    intake.phone = (phone or "").strip() or None
    if intake.phone is None:
        intake.voicemail_ok = False
    audit.record(session, actor=user, action="update", subject_type="intake",
                 subject_id=intake.id, detail="phone")
    return intake
