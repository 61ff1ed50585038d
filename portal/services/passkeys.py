"""Passkeys (WebAuthn) for staff: a second factor that a look-alike site cannot collect.

Each ceremony has two halves. The first gives the browser its options and a challenge
``state`` for the caller to keep on the server (the session) and hand back exactly once; the
second checks the browser's answer against that state: the challenge, its purpose, whose it
is and its expiry, the origin and RP ID, the signature and the sign counter. Nothing here
needs a request: the relying party comes from configuration (``RelyingParty.from_config``).

The verification itself is py_webauthn's; this module keeps the rows and the rules around it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
import webauthn
from sqlalchemy.orm import Session
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from portal.models import Passkey, User, utcnow
from portal.security import audit
from portal.services.errors import DomainError

CHALLENGE_SECONDS = 120
LABEL_MAX = 60
MOST_PASSKEYS = 10
RP_NAME = "Member portal"
# What the authenticator shows beside the passkey: neutral, like the authenticator app's entry.
USER_NAME = "Staff sign-in"
REGISTER, SIGN_IN, CONFIRM = "register", "sign_in", "confirm"
# A malformed answer surfaces as any of these from the parser; all mean "not proven".
_BAD_ANSWER = (WebAuthnException, ValueError, TypeError, KeyError, AttributeError)


class PasskeyRefused(DomainError):
    """The answer did not prove a passkey of this person; ``code`` says why (for the audit)."""

    def __init__(self, code: str, message: str = "That passkey did not work."):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys are for: the RP ID they are bound to and the origin they may answer."""

    id: str
    origin: str
    name: str = RP_NAME

    @classmethod
    def from_config(cls, config: Mapping) -> RelyingParty:
        return cls(id=config["WEBAUTHN_RP_ID"], origin=config["WEBAUTHN_ORIGIN"])


@dataclass(frozen=True)
class Ceremony:
    """Options for ``navigator.credentials`` (JSON) and the state the server keeps meanwhile."""

    options: str
    state: dict


def list_for(session: Session, user: User) -> list[Passkey]:
    """The person's passkeys, oldest first."""
    return list(session.execute(sa.select(Passkey).where(Passkey.user_id == user.id)
                                .order_by(Passkey.created_at, Passkey.id)).scalars())


def has_any(session: Session, user: User) -> bool:
    return session.execute(sa.select(sa.exists().where(Passkey.user_id == user.id))).scalar()


def get_for(session: Session, user: User, passkey_id: uuid.UUID) -> Passkey | None:
    """One of the person's own passkeys, or None (someone else's is as good as unknown)."""
    passkey = session.get(Passkey, passkey_id)
    return passkey if passkey is not None and passkey.user_id == user.id else None


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    transports = [AuthenticatorTransport(t) for t in (passkey.transports or "").split(",") if t]
    return PublicKeyCredentialDescriptor(id=passkey.credential_id, transports=transports or None)


def _transports(credential: dict) -> str | None:
    """How the browser said it reaches the authenticator (a hint for signing in later)."""
    listed = (credential.get("response") or {}).get("transports")
    known = {t.value for t in AuthenticatorTransport}
    kept = [t for t in listed if t in known] if isinstance(listed, list) else []
    return ",".join(kept)[:120] or None


def _new_state(user: User, purpose: str, challenge: bytes, now: float | None) -> dict:
    expires = (time.time() if now is None else now) + CHALLENGE_SECONDS
    return {"purpose": purpose, "user": str(user.id), "challenge": bytes_to_base64url(challenge),
            "expires": expires}


def _challenge(state, user: User, purpose: str, now: float | None) -> bytes:
    """The challenge of a state issued to ``user`` for ``purpose`` that has not expired."""
    if not isinstance(state, dict) or state.get("purpose") != purpose \
            or state.get("user") != str(user.id) or not isinstance(state.get("challenge"), str):
        raise PasskeyRefused("no_challenge")
    if (time.time() if now is None else now) >= float(state.get("expires", 0)):
        raise PasskeyRefused("expired", "That took too long. Please try again.")
    return webauthn.base64url_to_bytes(state["challenge"])


def clean_label(label) -> str:
    """The name the person gave the passkey, trimmed; refused when empty or too long."""
    label = " ".join(label.split()) if isinstance(label, str) else ""
    if not label or len(label) > LABEL_MAX:
        raise PasskeyRefused("label", f"Give the passkey a name of up to {LABEL_MAX} characters, "
                                      "such as “work laptop”.")
    return label


def _may_register(user: User) -> None:
    """Staff who have set up the authenticator app (passkeys come beside it, never instead)."""
    if not user.role.is_staff or user.mfa_enrolled_at is None:
        raise PasskeyRefused("not_enrolled", "Set up the authenticator app first.")


def registration_options(session: Session, user: User, party: RelyingParty, *,
                         now: float | None = None) -> Ceremony:
    """Options to create a passkey; the person's existing ones are excluded (no duplicates)."""
    _may_register(user)
    existing = list_for(session, user)
    if len(existing) >= MOST_PASSKEYS:
        raise PasskeyRefused("too_many", f"You have {MOST_PASSKEYS} passkeys already. "
                                         "Remove one you no longer use first.")
    options = webauthn.generate_registration_options(
        rp_id=party.id, rp_name=party.name, user_id=user.id.bytes, user_name=USER_NAME,
        timeout=CHALLENGE_SECONDS * 1000,
        exclude_credentials=[_descriptor(p) for p in existing],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED))
    return Ceremony(webauthn.options_to_json(options),
                    _new_state(user, REGISTER, options.challenge, now))


def register(session: Session, user: User, party: RelyingParty, state, credential, label, *,
             now: float | None = None) -> Passkey:
    """Keep the new passkey when the browser's answer fits the challenge; audited."""
    _may_register(user)
    label = clean_label(label)
    challenge = _challenge(state, user, REGISTER, now)
    if len(list_for(session, user)) >= MOST_PASSKEYS:
        raise PasskeyRefused("too_many", "Remove a passkey you no longer use first.")
    try:
        verified = webauthn.verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=party.id,
            expected_origin=party.origin)
    except _BAD_ANSWER as error:
        raise PasskeyRefused("invalid") from error
    taken = session.execute(sa.select(Passkey.id).where(
        Passkey.credential_id == verified.credential_id)).first()
    if taken is not None:
        raise PasskeyRefused("duplicate", "That passkey is registered already.")
    passkey = Passkey(user_id=user.id, credential_id=verified.credential_id,
                      public_key=verified.credential_public_key, sign_count=verified.sign_count,
                      transports=_transports(credential), label=label, created_at=utcnow())
    session.add(passkey)
    session.flush()
    audit.record(session, actor=user, action="passkey_added", subject_type="user_account",
                 subject_id=user.id, detail=str(passkey.id))
    return passkey


def authentication_options(session: Session, user: User, party: RelyingParty,
                           purpose: str = SIGN_IN, *, now: float | None = None) -> Ceremony:
    """Options to sign with one of the person's passkeys (for signing in, or to confirm)."""
    allowed = [_descriptor(p) for p in list_for(session, user)]
    if not allowed:
        raise PasskeyRefused("no_passkey", "There is no passkey on this account.")
    options = webauthn.generate_authentication_options(
        rp_id=party.id, timeout=CHALLENGE_SECONDS * 1000, allow_credentials=allowed,
        user_verification=UserVerificationRequirement.PREFERRED)
    return Ceremony(webauthn.options_to_json(options),
                    _new_state(user, purpose, options.challenge, now))


def verify(session: Session, user: User, party: RelyingParty, state, credential,
           purpose: str = SIGN_IN, *, now: float | None = None) -> Passkey:
    """The passkey that signed the challenge; its counter and last use move on. Not audited.

    A counter that does not move forward (when either side is non-zero) means a copied key
    or a replay, and is refused.
    """
    challenge = _challenge(state, user, purpose, now)
    try:
        raw_id = webauthn.base64url_to_bytes(credential["rawId"])
        handle = credential["response"].get("userHandle")
    except _BAD_ANSWER as error:
        raise PasskeyRefused("invalid") from error
    if handle and handle != bytes_to_base64url(user.id.bytes):
        raise PasskeyRefused("other_user")  # a passkey made for another account
    passkey = session.execute(sa.select(Passkey).where(
        Passkey.user_id == user.id, Passkey.credential_id == raw_id)).scalar()
    if passkey is None:
        raise PasskeyRefused("unknown_passkey")
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=party.id,
            expected_origin=party.origin, credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count)
    except _BAD_ANSWER as error:
        raise PasskeyRefused("invalid") from error
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = utcnow()
    return passkey


def remove(session: Session, user: User, passkey: Passkey) -> None:
    """Forget one of the person's passkeys (the caller has had them confirm it); audited."""
    session.delete(passkey)
    audit.record(session, actor=user, action="passkey_removed", subject_type="user_account",
                 subject_id=user.id, detail=str(passkey.id))
