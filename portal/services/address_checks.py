"""Proving an address: a request sent by someone not signed in waits for its owner's click.

Whatever address is typed (new, a participant's, a volunteer's) the person sees the same page
and the address gets the same neutral email, so nobody learns whether it has an account here,
and a request cannot be filed in a colleague's name unnoticed. The request reaches the
coordinator at once, marked "email not yet confirmed"; an urgent one is announced at once as
always. The link (signed, single use, ``CONFIRM_DAYS``) attaches the request to the address's
participant account, creating it with the password chosen then if there is none.

The email is sent by a job through the outbox (``workers.jobs.address_checks``); the person has
no account yet, so it cannot be a notification.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from portal.config import signing_keys
from portal.i18n import gettext as _
from portal.models import Intake, Role, User, utcnow
from portal.security import audit, passwords
from portal.services import accounts, language, outbox
from portal.services.errors import Conflict, DomainError

CONFIRM_DAYS = 7
SALT = "address-check"
CONFIRM_PATH = "/confirm/"   # participant.confirm_address: no word of what is confirmed


class LinkInvalid(DomainError):
    """Not a link we sent (tampered with, or cut short)."""

    status = 404


class LinkGone(DomainError):
    """A real link that can no longer be used: expired, used, or its request erased."""

    status = 410


def hold(session: Session, intake: Intake, *, email: str, password: str,
         language_code: str | None = None) -> None:
    """Keep the unproven address with ``intake`` and send it the confirmation link, written in
    ``language_code`` (the language the request was made in)."""
    intake.claim_email = email.strip()
    intake.claim_language = language.known(language_code)
    intake.claim_password_hash = passwords.hash_password(password)
    intake.email_confirmed_at = None
    _send_link(session, intake)


def invite(session: Session, intake: Intake, *, actor) -> None:
    """Offer an account to the person behind a request entered for them (by phone, say):
    the same single-use link, and they choose their password when they use it."""
    if intake.participant_id is not None or not intake.claim_email or intake.erased_at:
        raise Conflict(_("This request has no email address to invite, or already has an "
                         "account."))
    intake.claim_password_hash = None
    _send_link(session, intake)
    audit.record(session, actor=actor, action="invite", subject_type="intake",
                 subject_id=intake.id)


def _send_link(session: Session, intake: Intake) -> None:
    intake.claim_nonce = secrets.token_hex(16)
    intake.claim_sent_at = None
    intake.claim_expires_at = utcnow() + timedelta(days=CONFIRM_DAYS)
    outbox.enqueue(session, "send_address_check", intake.id,
                   dedupe_key=f"send_address_check:{intake.id}:{intake.claim_nonce}")


def asks_for_password(session: Session, intake: Intake) -> bool:
    """Using the link creates an account, and no password was chosen with the request."""
    return intake.claim_password_hash is None \
        and accounts.find_by_email(session, intake.claim_email or "") is None


def is_waiting(intake: Intake) -> bool:
    """The request's address has not been proven yet."""
    return intake.email_confirmed_at is None and intake.claim_nonce is not None


def expires_at(intake: Intake) -> datetime:
    return intake.claim_expires_at or intake.submitted_at + timedelta(days=CONFIRM_DAYS)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(current_app.config), salt=SALT)


def link_for(intake: Intake) -> str:
    token = _serializer().dumps({"i": str(intake.id), "n": intake.claim_nonce})
    return current_app.config["PUBLIC_URL"].rstrip("/") + CONFIRM_PATH + token


def open_link(session: Session, token: str) -> Intake:
    """The request behind a link that may still be used; raises in plain words otherwise."""
    try:
        data = _serializer().loads(token, max_age=CONFIRM_DAYS * 24 * 3600)
        intake = session.get(Intake, uuid.UUID(data["i"]))
    except SignatureExpired:
        raise _gone() from None
    except (BadSignature, KeyError, TypeError, ValueError):
        raise LinkInvalid(_("This link is not valid. Please check that the whole link was "
                            "copied.")) from None
    nonce = str(data.get("n") or "")
    if intake is None or intake.erased_at is not None or intake.claim_nonce is None \
            or not hmac.compare_digest(intake.claim_nonce, nonce) \
            or expires_at(intake) <= utcnow():
        raise _gone()
    return intake


def _gone() -> LinkGone:
    return LinkGone(_("This link has already been used or has expired. If you sent a request, "
                      "the coordinator has it; you can sign in, or contact the program."))


@dataclass(frozen=True)
class Confirmed:
    """What confirming did: ``account`` is who may now follow the request (None: the
    coordinator will write to the address instead)."""

    intake: Intake
    account: User | None
    created: bool


def confirm(session: Session, token: str, *, ip: str | None = None,
            password: str | None = None) -> Confirmed:
    """Use the link once: the address is proven and the request finds its account.

    ``password`` is the one chosen on the link's page, when none came with the request."""
    from portal.services.intake import open_intake_of  # intake.py sends requests through here

    intake = open_link(session, token)
    if asks_for_password(session, intake):
        problem = passwords.password_problem(password or "")
        if problem:
            raise DomainError(problem)
    # A conditional update, so two clicks of the same link cannot both confirm.
    used = session.execute(
        sa.update(Intake).where(Intake.id == intake.id, Intake.claim_nonce == intake.claim_nonce)
        .values(claim_nonce=None, email_confirmed_at=utcnow())
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if used != 1:
        raise _gone()
    user, created = accounts.find_by_email(session, intake.claim_email), False
    if user is None:
        user, created = accounts.create_user(session, email=intake.claim_email, password=password,
                                             role=Role.PARTICIPANT), True
        user.password_hash = intake.claim_password_hash or user.password_hash
        user.language = intake.claim_language
    attached = user.role is Role.PARTICIPANT and user.is_active \
        and open_intake_of(session, user) is None
    if attached:
        intake.participant_id = user.id
        intake.claim_email = None  # the account holds it now
        intake.reach_by = "account"
    intake.claim_password_hash = None
    audit.record(session, actor=user if attached else None, action="confirm_email",
                 subject_type="intake", subject_id=intake.id,
                 detail="attached" if attached else "unattached", ip=ip)
    return Confirmed(intake, user if attached else None, created)
