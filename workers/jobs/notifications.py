"""Deliver one notification by email: never lost, sent twice only if a crash follows the 250.

The row is claimed (pending → sending) in its own commit before talking to SMTP, with the
claimant's identity, and marked sent right after with a deterministic Message-ID. A claim
whose process has died (a killed work-horse, a dropped database connection that ended the
job) is taken over at once on the same host, or after ``CLAIM_LEASE`` from another host:
the lease outlives any mail job, because RQ ends a job at its timeout. A claim still held by
a live process makes this job fail with ``StillSending`` so that it is retried, never
reported done while the email is unsent.
"""

from __future__ import annotations

import smtplib
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from portal.models import DeliveryStatus, Notification, User, utcnow
from portal.services import language
from portal.services.notifications import EMAIL_BODY, EMAIL_SUBJECT, URGENT_EMAIL_SUBJECT
from portal.services.outbox import liveness
from portal.services.outbox.registry import MAIL_JOB_TIMEOUT
from workers import mail

CLAIM_LEASE = timedelta(seconds=MAIL_JOB_TIMEOUT + 60)
_DONE = (DeliveryStatus.SENT, DeliveryStatus.IN_APP, DeliveryStatus.FAILED)
_sending_here: set[uuid.UUID] = set()  # claims this process is using right now


class StillSending(RuntimeError):
    """Another live process is sending this email; the job is retried later."""


def message_id(note: Notification, config) -> str:
    domain = config["MAIL_FROM"].rpartition("@")[2].rstrip(">").strip() or "localhost"
    return f"<n-{note.id}@{domain}>"


def render(note: Notification, to: str, config, locale: str = language.DEFAULT):
    """The neutral email, in ``locale``: no names, no concern words, a bare sign-in link."""
    with force_locale(locale):
        subject = str(URGENT_EMAIL_SUBJECT if note.urgent else EMAIL_SUBJECT)
        link = config["PUBLIC_URL"].rstrip("/") + "/sign-in"
        body = str(EMAIL_BODY).format(link=link)
    return mail.build_message(config, to=to, subject=subject, body=body,
                              message_id=message_id(note, config))


def claim_abandoned(claimed_by: str | None, claimed_at, now) -> bool:
    """Whether a ``sending`` claim belongs to nobody alive any more."""
    if claimed_at is None or claimed_at <= now - CLAIM_LEASE:
        return True
    if claimed_by == liveness.identity():
        return False  # this process's own claim, and it is not using it: see _claim
    return liveness.known_dead(claimed_by)


def _claim(session, note_id: uuid.UUID) -> bool:
    """Take the row for sending; False if there is nothing to send. Commits the claim."""
    row = session.execute(
        sa.select(Notification.status, Notification.claimed_by, Notification.claimed_at)
        .where(Notification.id == note_id)
    ).one_or_none()
    if row is None or row.status in _DONE:
        return False
    now = utcnow()
    if row.status == DeliveryStatus.SENDING:
        ours_and_idle = row.claimed_by == liveness.identity() and note_id not in _sending_here
        if not (ours_and_idle or claim_abandoned(row.claimed_by, row.claimed_at, now)):
            raise StillSending("claimed by a live process")
    result = session.execute(
        sa.update(Notification).where(
            Notification.id == note_id, Notification.status == row.status,
            Notification.claimed_by.is_(None) if row.claimed_by is None
            else Notification.claimed_by == row.claimed_by,
        ).values(status=DeliveryStatus.SENDING, claimed_at=now, claimed_by=liveness.identity(),
                 attempts=Notification.attempts + 1)
    )
    session.commit()
    if result.rowcount != 1:
        raise StillSending("claimed by another process a moment ago")
    return True


def _set(session, note_id, **values) -> None:
    session.execute(sa.update(Notification).where(Notification.id == note_id).values(**values))


def send_notification(session, ref: str) -> None:
    """Send notification ``ref`` unless it was sent, is in-app only, or was given up."""
    note_id = uuid.UUID(ref)
    if not _claim(session, note_id):
        return
    _sending_here.add(note_id)
    try:
        _send(session, note_id)
    finally:
        _sending_here.discard(note_id)


def _send(session, note_id: uuid.UUID) -> None:
    note = session.get(Notification, note_id)
    session.refresh(note)
    recipient = session.get(User, note.recipient_id)
    if recipient is None or recipient.erased_at is not None or not recipient.email:
        _set(session, note_id, status=DeliveryStatus.FAILED, claimed_by=None,
             last_error="no address")
        return
    config = current_app.config
    message = render(note, recipient.email, config, language.for_recipient(recipient))
    try:
        mail.send(config, message)
    except (smtplib.SMTPException, OSError) as exc:
        _set(session, note_id, status=DeliveryStatus.PENDING, claimed_by=None,
             last_error=type(exc).__name__)
        session.commit()
        raise
    _set(session, note_id, status=DeliveryStatus.SENT, sent_at=utcnow(), claimed_by=None,
         message_id=message["Message-ID"], last_error=None)


def announce_request(session, ref: str) -> None:
    """A routine request whose suggestions never came: announce it on its own."""
    from portal.services import intake

    intake.announce_if_unannounced(session, ref)
