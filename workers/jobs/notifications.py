"""Deliver one notification by email, exactly once per row as far as SMTP allows.

The row is claimed (pending → sending) in its own commit before talking to SMTP, and marked
sent right after, with a deterministic Message-ID. A crash between the server's 250 and
our update is the only way to a duplicate, and the Message-ID makes it recognisable.
"""

from __future__ import annotations

import smtplib
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from portal.models import DeliveryStatus, Notification, User, utcnow
from portal.services.notifications import EMAIL_BODY, EMAIL_SUBJECT, URGENT_EMAIL_SUBJECT
from workers import mail

CLAIM_TIMEOUT = timedelta(minutes=10)


def message_id(note: Notification, config) -> str:
    domain = config["MAIL_FROM"].rpartition("@")[2].rstrip(">").strip() or "localhost"
    return f"<n-{note.id}@{domain}>"


def render(note: Notification, to: str, config):
    """The neutral email: no names, no concern words, a sign-in link with no identifiers."""
    with force_locale("en"):
        subject = str(URGENT_EMAIL_SUBJECT if note.urgent else EMAIL_SUBJECT)
        link = config["PUBLIC_URL"].rstrip("/") + "/sign-in"
        body = str(EMAIL_BODY).format(link=link)
    return mail.build_message(config, to=to, subject=subject, body=body,
                              message_id=message_id(note, config))


def _claim(session, note_id: uuid.UUID) -> bool:
    now = utcnow()
    claimable = sa.or_(
        Notification.status == DeliveryStatus.PENDING,
        sa.and_(Notification.status == DeliveryStatus.SENDING,
                Notification.claimed_at <= now - CLAIM_TIMEOUT),
    )
    result = session.execute(
        sa.update(Notification).where(Notification.id == note_id, claimable)
        .values(status=DeliveryStatus.SENDING, claimed_at=now, attempts=Notification.attempts + 1)
    )
    session.commit()
    return result.rowcount == 1


def _set(session, note_id, **values) -> None:
    session.execute(sa.update(Notification).where(Notification.id == note_id).values(**values))


def send_notification(session, ref: str) -> None:
    """Send notification ``ref`` unless it was sent, is in-app only, or is being sent."""
    note_id = uuid.UUID(ref)
    if not _claim(session, note_id):
        return
    note = session.get(Notification, note_id)
    session.refresh(note)
    recipient = session.get(User, note.recipient_id)
    if recipient is None or recipient.erased_at is not None or not recipient.email:
        _set(session, note_id, status=DeliveryStatus.FAILED, last_error="no address")
        return
    config = current_app.config
    message = render(note, recipient.email, config)
    try:
        mail.send(config, message)
    except (smtplib.SMTPException, OSError) as exc:
        _set(session, note_id, status=DeliveryStatus.PENDING, last_error=type(exc).__name__)
        session.commit()
        raise
    _set(session, note_id, status=DeliveryStatus.SENT, sent_at=utcnow(),
         message_id=message["Message-ID"], last_error=None)
