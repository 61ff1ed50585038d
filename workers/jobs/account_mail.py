"""The account's own emails: a password reset link, the link that confirms a new address, and
the note to an old address. Neutral like every email: no program words, the link only; in the
account's language (the note to an old address, which keeps no link to the account, in English).

The reset link is signed when the email is written, so no usable link is ever stored; a rerun
of a reset job sends a fresh one (each is single-use and short-lived). A notice is sent once.
"""

from __future__ import annotations

import uuid

from flask import current_app
from flask_babel import force_locale

from portal.i18n import lazy_gettext as _l
from portal.models import AddressNotice, User, utcnow
from portal.services import language, recovery
from portal.services.offers import lock
from workers import mail

RESET_SUBJECT = _l("Your member portal sign-in")
RESET_BODY = _l(
    "Hello,\n\nA new password was asked for in the member portal for this address.\n"
    "To choose one, use this link within {minutes} minutes:\n\n{link}\n\n"
    "It works once. If you did not ask, you can ignore this message: your password stays as it "
    "is.\n")
CHANGE_SUBJECT = _l("Please confirm your email address")
CHANGE_BODY = _l(
    "Hello,\n\nThis address was given in the member portal a moment ago.\n"
    "If it was you, please use this link to confirm it:\n\n{link}\n\n"
    "The link works once and expires in {days} days.\n"
    "If it was not you, you can ignore this message; nothing more will be sent.\n")
NOTICE_SUBJECT = _l("Your member portal email address")
NOTICE_BODY = _l(
    "Hello,\n\nThe email address of your member portal account was changed to another address, "
    "so messages will no longer come here.\n"
    "If you did not do this, please contact the program office.\n")


def _send(to: str, subject, body: str, message_id: str, locale: str) -> None:
    config = current_app.config
    domain = config["MAIL_FROM"].rpartition("@")[2].rstrip(">").strip() or "localhost"
    with force_locale(locale):
        message = mail.build_message(config, to=to, subject=str(subject), body=body,
                                     message_id=f"<{message_id}@{domain}>")
    mail.send(config, message)


def send_password_reset(session, ref: str) -> None:
    user = session.get(User, uuid.UUID(ref))
    if user is None or not user.is_active or not user.email:
        return
    locale = language.for_recipient(user)
    with force_locale(locale):
        body = str(RESET_BODY).format(minutes=recovery.reset_minutes(),
                                      link=recovery.reset_link(user))
    _send(user.email, RESET_SUBJECT, body, f"pw-{user.id}-{uuid.uuid4().hex[:8]}", locale)


def send_email_change(session, ref: str) -> None:
    user = session.get(User, uuid.UUID(ref))
    if user is None or not user.pending_email_nonce or user.pending_email_expires_at <= utcnow():
        return
    locale = language.for_recipient(user)
    with force_locale(locale):
        body = str(CHANGE_BODY).format(link=recovery.email_link(user),
                                       days=recovery.EMAIL_LINK_DAYS)
    _send(user.pending_email, CHANGE_SUBJECT, body,
          f"em-{user.id}-{user.pending_email_nonce[:8]}", locale)


def send_address_notice(session, ref: str) -> None:
    notice = lock(session, AddressNotice, uuid.UUID(ref))
    if notice is None or notice.sent_at is not None:
        return
    with force_locale(language.DEFAULT):  # the notice keeps no link to the account
        body = str(NOTICE_BODY)
    _send(notice.email, NOTICE_SUBJECT, body, f"an-{notice.id}", language.DEFAULT)
    notice.sent_at = utcnow()
    notice.email = None  # sent: the old address is not kept
