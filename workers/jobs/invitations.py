"""Email one volunteer invitation: a neutral message whose only content is the link.

The person has no account yet, so this cannot go through the notification path. A rerun
sends nothing once ``sent_at`` is set; the row lock makes two simultaneous runs send once.
"""

from __future__ import annotations

import uuid

from flask import current_app
from flask_babel import force_locale

from portal.i18n import lazy_gettext as _l
from portal.models import Invitation, utcnow
from portal.services import calendar, invitations
from portal.services.offers import lock
from workers import mail

SUBJECT = _l("Your member portal invitation")
BODY = _l(
    "Hello,\n\nYou have been invited to create an account in the member portal.\n"
    "Please use this link to choose your password:\n\n{link}\n\n"
    "The link works once and expires on {date}.\n"
    "If you were not expecting this message, you can ignore it.\n"
)


def render(invitation: Invitation, config, session):
    """The neutral message: no names, no program words, the link and its expiry date only.

    The date is the program's: a link that ends at 02:00 UTC ends the evening before in Alberta.
    """
    domain = config["MAIL_FROM"].rpartition("@")[2].rstrip(">").strip() or "localhost"
    with force_locale("en"):
        body = str(BODY).format(link=invitations.link_for(invitation),
                                date=calendar.local(invitation.expires_at, session).strftime("%Y-%m-%d"))
        return mail.build_message(
            config, to=invitation.email, subject=str(SUBJECT), body=body,
            message_id=f"<inv-{invitation.id}-{invitation.nonce[:8]}@{domain}>",
        )


def send_invitation(session, ref: str) -> None:
    """Send invitation ``ref`` unless it was sent already or can no longer be used."""
    invitation = lock(session, Invitation, uuid.UUID(ref))
    if invitation is None or invitation.sent_at is not None:
        return
    if invitation.used_at or invitation.revoked_at or invitation.expires_at <= utcnow():
        return
    mail.send(current_app.config, render(invitation, current_app.config, session))
    invitation.sent_at = utcnow()
