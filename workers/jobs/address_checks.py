"""Email the link that proves a request's address: neutral, the link and its expiry only.

The words are the same for every address (new, a participant's, anyone's), so the email tells
a reader of the mailbox no more than the page told the sender. A rerun sends nothing once
``claim_sent_at`` is set; the row lock makes two simultaneous runs send once.
"""

from __future__ import annotations

import uuid

from flask import current_app
from flask_babel import force_locale

from portal.i18n import lazy_gettext as _l
from portal.models import Intake, utcnow
from portal.services import address_checks, calendar, language
from portal.services.offers import lock
from workers import mail

SUBJECT = _l("Please confirm your email address")
BODY = _l(
    "Hello,\n\nThis address was given in the member portal a moment ago.\n"
    "If it was you, please use this link to confirm it:\n\n{link}\n\n"
    "The link works once and expires on {date}. After confirming, sign in with your password.\n"
    "If it was not you, you can ignore this message; nothing more will be sent.\n"
)


def render(intake: Intake, config, session):
    domain = config["MAIL_FROM"].rpartition("@")[2].rstrip(">").strip() or "localhost"
    expires = calendar.local(address_checks.expires_at(intake), session)
    with force_locale(language.known(intake.claim_language) or language.DEFAULT):
        body = str(BODY).format(link=address_checks.link_for(intake),
                                date=expires.strftime("%Y-%m-%d"))
        return mail.build_message(
            config, to=intake.claim_email, subject=str(SUBJECT), body=body,
            message_id=f"<adr-{intake.id}-{intake.claim_nonce[:8]}@{domain}>",
        )


def send_address_check(session, ref: str) -> None:
    """Send the link for request ``ref`` unless sent already or no longer usable."""
    intake = lock(session, Intake, uuid.UUID(ref))
    if intake is None or intake.claim_sent_at is not None or not address_checks.is_waiting(intake):
        return
    if intake.erased_at is not None or address_checks.expires_at(intake) <= utcnow():
        return
    mail.send(current_app.config, render(intake, current_app.config, session))
    intake.claim_sent_at = utcnow()
