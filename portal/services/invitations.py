"""Invitations: a signed, single-use, expiring link that lets a new volunteer create an account.

The link carries the invitation id and a per-invitation nonce, signed with the app's secret
(itsdangerous). It is refused when tampered with, older than the invitation's life, past the
invitation's expiry, already used, revoked, or replaced by a newer link (a resend changes the
nonce). The email itself is sent by a job through the outbox (``workers.jobs.invitations``).
"""

from __future__ import annotations

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
from portal.models import Invitation, Role, User, utcnow
from portal.security import audit, passwords
from portal.security.crypto import blind_index, blind_indexes
from portal.services import accounts, outbox, volunteers
from portal.services.errors import Conflict, DomainError

INVITATION_DAYS = 14
STAFF_INVITATION_DAYS = 3   # a staff account opens more: its link lives shorter
SALT = "volunteer-invitation"
JOIN_PATH = "/join/"   # the invitation blueprint (portal.volunteer.invitation_bp)


class InvitationInvalid(DomainError):
    """Not a link we issued (tampered, revoked or replaced)."""

    status = 404


class InvitationGone(DomainError):
    """A real link that can no longer be used: expired or already used."""

    status = 410


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(current_app.config), salt=SALT)


def token_for(invitation: Invitation) -> str:
    """The signed token for the invitation's current nonce."""
    return _serializer().dumps({"i": str(invitation.id), "n": invitation.nonce})


def link_for(invitation: Invitation) -> str:
    """The full link for the email."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + JOIN_PATH + token_for(invitation)


def pending(session: Session, *roles: str) -> list[Invitation]:
    """Invitations not yet used or revoked, newest first (volunteers' unless ``roles``)."""
    return list(session.execute(
        sa.select(Invitation).where(Invitation.used_at.is_(None), Invitation.revoked_at.is_(None),
                                    Invitation.role.in_(roles or (Role.VOLUNTEER,)))
        .order_by(Invitation.created_at.desc())
    ).scalars())


def _life(invitation: Invitation) -> timedelta:
    staff = Role(invitation.role).is_staff
    return timedelta(days=STAFF_INVITATION_DAYS if staff else INVITATION_DAYS)


def invite(session: Session, email: str, *, actor, role: Role | str = Role.VOLUNTEER,
           name: str | None = None) -> Invitation:
    """Invite ``email`` to an account of ``role``; an open invitation to it is renewed instead.

    Only an admin invites staff (coordinators and admins)."""
    role = Role(role)
    if role is Role.PARTICIPANT or (role.is_staff and not actor.has_role(Role.ADMIN)):
        raise DomainError(_("Only an administrator can invite staff."))
    email = email.strip()
    if accounts.find_by_email(session, email) is not None:
        raise accounts.EmailTaken(_("An account with this email already exists."))
    existing = session.execute(
        sa.select(Invitation).where(Invitation.email_index.in_(blind_indexes(email, "email")),
                                    Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
    ).scalar()
    if existing is not None:
        existing.role, existing.display_name = str(role), name or existing.display_name
        return resend(session, existing, actor=actor)
    invitation = Invitation(email=email, email_index=blind_index(email, "email"),
                            invited_by_id=actor.id, nonce=secrets.token_hex(16), role=str(role),
                            display_name=(name or "").strip()[:80] or None)
    invitation.expires_at = utcnow() + _life(invitation)
    session.add(invitation)
    session.flush()
    audit.record(session, actor=actor, action="create", subject_type="invitation",
                 subject_id=invitation.id)
    _queue_mail(session, invitation)
    return invitation


def resend(session: Session, invitation: Invitation, *, actor) -> Invitation:
    """A fresh link with a new life; every earlier link for this invitation stops working."""
    if invitation.used_at is not None:
        raise Conflict(_("This invitation has already been used."))
    invitation.nonce = secrets.token_hex(16)
    invitation.expires_at = utcnow() + _life(invitation)
    invitation.sent_at = invitation.revoked_at = None
    audit.record(session, actor=actor, action="update", subject_type="invitation",
                 subject_id=invitation.id, detail="resend")
    _queue_mail(session, invitation)
    return invitation


def revoke(session: Session, invitation: Invitation, *, actor) -> None:
    """The link stops working at once."""
    if invitation.used_at is not None:
        raise Conflict(_("This invitation has already been used."))
    invitation.revoked_at = utcnow()
    audit.record(session, actor=actor, action="update", subject_type="invitation",
                 subject_id=invitation.id, detail="revoke")


def _queue_mail(session: Session, invitation: Invitation) -> None:
    outbox.enqueue(session, "send_invitation", invitation.id,
                   dedupe_key=f"send_invitation:{invitation.id}")


def open_invitation(session: Session, token: str) -> Invitation:
    """The invitation behind a link that may still be used; raises in plain words otherwise."""
    invalid = InvitationInvalid(_("This invitation link is not valid. Please check that the "
                                  "whole link was copied, or ask the coordinator for a new one."))
    try:
        data = _serializer().loads(token, max_age=INVITATION_DAYS * 24 * 3600)  # the longest
        invitation = session.get(Invitation, uuid.UUID(data["i"]))
    except SignatureExpired:
        raise _expired() from None
    except (BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
    if invitation is None or not hmac.compare_digest(invitation.nonce, str(data.get("n", ""))):
        raise invalid
    if invitation.used_at is not None:
        raise InvitationGone(_("This invitation has already been used. If it was you, please "
                               "sign in with the password you chose."))
    if invitation.revoked_at is not None:
        raise invalid
    if invitation.expires_at <= utcnow():
        raise _expired()
    return invitation


def _expired() -> InvitationGone:
    return InvitationGone(_("This invitation has expired. Please ask the coordinator to send "
                            "you a new one."))


def accept(session: Session, token: str, *, password: str) -> User:
    """Use the link once: an account of the invitation's role with ``password`` (a volunteer's
    with an empty profile; a staff member sets up the second step at their first sign-in)."""
    problem = passwords.password_problem(password)
    if problem:
        raise DomainError(problem)
    invitation = open_invitation(session, token)
    # A conditional update, so two submissions of the same link cannot both succeed.
    claimed = session.execute(
        sa.update(Invitation).where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if claimed != 1:
        raise InvitationGone(_("This invitation has already been used."))
    user = accounts.create_user(session, email=invitation.email, password=password,
                                role=invitation.role)
    if user.role is Role.VOLUNTEER:
        volunteers.create_applicant(session, user, actor=user)
    else:
        user.display_name = invitation.display_name
    audit.record(session, actor=user, action="use", subject_type="invitation",
                 subject_id=invitation.id)
    return user
