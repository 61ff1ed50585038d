"""The one notification path: a row per message (recipient and kind, no content) plus its job.

Words come from the kind at send time. Every email says the same neutral thing and links
to the sign-in page; the details are only inside the portal, after sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.i18n import lazy_gettext as _l
from portal.models import DeliveryStatus, Notification, User, utcnow
from portal.models.base import seconds_since
from portal.services import calendar, outbox, settings


@dataclass(frozen=True)
class Kind:
    """What a notification kind says inside the portal, and whether it is urgent."""

    in_app: str
    urgent: bool = False


KINDS: dict[str, Kind] = {
    "new_request": Kind(_l("A new request is waiting for review.")),
    "urgent_request": Kind(_l("A new request asks for a prompt response."), urgent=True),
    "suggestions_ready": Kind(_l("New suggestions are ready for a request.")),
    "offer": Kind(_l("You have a new offer to consider.")),
    "offer_accepted": Kind(_l("An offer was accepted.")),
    "offer_declined": Kind(_l("An offer was declined and needs a next step.")),
    "offer_withdrawn": Kind(_l("An offer you were considering is no longer open. Thank you for your time.")),
    "offer_expired": Kind(_l("An offer expired without an answer and needs a next step.")),
    "change_requested": Kind(_l("A change was requested for a peer relationship.")),
    "safety_flag": Kind(_l("A check-in asks for your attention."), urgent=True),
    "introduction": Kind(_l("Your introduction is ready: sign in to see how to get in touch.")),
    "relationship_closed": Kind(_l("A peer relationship was closed.")),
    "first_contact_reminder": Kind(_l("Have you been in touch with the person you said yes to? "
                                      "Let us know on their page, or tell the coordinator if "
                                      "anything is in the way.")),
    "first_contact_overdue": Kind(_l("A new peer relationship has no first contact yet.")),
    "quiet_reminder": Kind(_l("It has been a while since your last check-in. When you next "
                              "talk, a check-in lets the program know all is well.")),
    "quiet_relationship": Kind(_l("A peer relationship has had no check-in for several weeks.")),
    "outcome_pulse": Kind(_l("One short question is waiting for you on your page.")),
    "wellbeing_check": Kind(_l("How are you doing with this role? A private question, just for "
                               "you, on your care page.")),
    "approval_renewal": Kind(_l("It will soon be time to renew your volunteer approval. The "
                                "coordinator will be in touch; nothing changes until then.")),
    "debrief_requested": Kind(_l("A volunteer would like a debrief.")),
    "offer_expiring": Kind(_l("An offer you have not answered yet ends soon. Saying no is "
                              "fine too.")),
    "audit_broken": Kind(_l("The daily audit log check needs an administrator's attention.")),
}

EMAIL_SUBJECT = _l("An update in your member portal")
URGENT_EMAIL_SUBJECT = _l("A time-sensitive update in your member portal")
EMAIL_BODY = _l(
    "Hello,\n\nThere is an update waiting for you in your member portal.\n"
    "Please sign in to view it:\n\n{link}\n\n"
    "This message was sent automatically; please do not reply to it.\n"
)


def quiet_until(session: Session, now: datetime | None = None) -> datetime | None:
    """When the program's quiet hours end, if ``now`` falls inside them; else None."""
    quiet = settings.get(session, "quiet_hours")
    zone = calendar.program_zone(session)
    local = (now or utcnow()).astimezone(zone)
    start, end = (time.fromisoformat(quiet[key]) for key in ("start", "end"))
    clock = local.time()
    inside = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not inside or start == end:
        return None
    end_day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)


def notify(
    session: Session, recipient: User, kind: str, *, subject_type: str | None = None,
    subject_id: object = None,
) -> Notification:
    """Record a notification for ``recipient`` and queue its delivery, in the caller's transaction.

    Someone who chose no email gets it in the portal only. Non-urgent mail written during
    quiet hours waits until they end; it shows in the portal at once either way.
    """
    spec = KINDS[kind]
    status = DeliveryStatus.PENDING if recipient.email_notifications else DeliveryStatus.IN_APP
    note = Notification(
        recipient_id=recipient.id, kind=kind, urgent=spec.urgent, status=status,
        subject_type=subject_type, subject_id=None if subject_id is None else str(subject_id),
    )
    if status is DeliveryStatus.PENDING and not spec.urgent:
        note.send_after = quiet_until(session)
    session.add(note)
    session.flush()
    if status is DeliveryStatus.PENDING:
        delay = note.send_after - utcnow() if note.send_after else None
        outbox.enqueue(session, "send_notification", note.id, delay=delay, urgent=spec.urgent)
    return note


def staff_told_since(session: Session, subject_type: str, subject_id, since: datetime) -> bool:
    """Whether staff already had a notice about this subject since ``since`` (one per event)."""
    from portal.models import Role

    return session.execute(
        sa.select(Notification.id).join(User, User.id == Notification.recipient_id).where(
            User.role.in_([Role.COORDINATOR, Role.ADMIN]),
            Notification.subject_type == subject_type,
            Notification.subject_id == str(subject_id), Notification.created_at >= since)
        .limit(1)
    ).first() is not None


def notify_staff(session: Session, kind: str, **subject) -> list[Notification]:
    """Notify every enabled coordinator and admin."""
    from portal.models import Role

    return _notify_roles(session, (Role.COORDINATOR, Role.ADMIN), kind, **subject)


def notify_admins(session: Session, kind: str, **subject) -> list[Notification]:
    """Notify every enabled admin."""
    from portal.models import Role

    return _notify_roles(session, (Role.ADMIN,), kind, **subject)


def _notify_roles(session: Session, roles, kind: str, **subject) -> list[Notification]:
    people = session.execute(
        sa.select(User).where(User.role.in_(roles), User.is_enabled, User.erased_at.is_(None))
    ).scalars()
    return [notify(session, person, kind, **subject) for person in people]


def oldest_unsent_urgent_seconds(session: Session, now: datetime | None = None) -> float | None:
    """How long the oldest urgent email still waiting to go out has waited (for /healthz)."""
    now = now or utcnow()
    oldest = session.execute(
        sa.select(sa.func.min(Notification.created_at)).where(
            Notification.urgent.is_(True),
            Notification.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]))
    ).scalar()
    return None if oldest is None else seconds_since(oldest, now)


def unread_count(session: Session, user: User) -> int:
    return session.execute(
        sa.select(sa.func.count()).select_from(Notification).where(
            Notification.recipient_id == user.id, Notification.read_at.is_(None)
        )
    ).scalar_one()


def mark_read(session: Session, user: User) -> None:
    """Mark every notification of ``user`` read."""
    session.execute(
        sa.update(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


def deliveries(session: Session, *, days: int = 7) -> list[Notification]:
    """Email deliveries to watch: every one not sent yet, and those sent in the last ``days``."""
    since = utcnow() - timedelta(days=days)
    return list(session.execute(
        sa.select(Notification).where(
            Notification.status != DeliveryStatus.IN_APP,
            (Notification.status != DeliveryStatus.SENT) | (Notification.created_at >= since),
        ).order_by(Notification.created_at.desc()).limit(200)
    ).scalars())


def retry(session: Session, note: Notification, *, actor) -> None:
    """Send a failed or stuck email again, through the same path."""
    from portal.security import audit
    from portal.services.errors import Conflict

    if note.status in (DeliveryStatus.SENT, DeliveryStatus.IN_APP):
        raise Conflict("This message does not need sending again.")
    note.status = DeliveryStatus.PENDING
    note.claimed_at = None
    note.send_after = None
    session.flush()
    outbox.enqueue(session, "send_notification", note.id, urgent=note.urgent)
    audit.record(session, actor=actor, action="retry", subject_type="notification",
                 subject_id=note.id)


def open_recent(session: Session, user: User, *, limit: int = 100) -> tuple[list[Notification], set]:
    """The newest notifications of ``user`` and the ids of those unread until now; all are then read."""
    items = list(session.execute(
        sa.select(Notification).where(Notification.recipient_id == user.id)
        .order_by(Notification.created_at.desc()).limit(limit)
    ).scalars())
    unread_ids = {note.id for note in items if note.read_at is None}
    mark_read(session, user)
    return items, unread_ids


def recipient_roles(session: Session, notes: list[Notification]) -> dict:
    """The role of each recipient of ``notes``, by user id (the deliveries page shows roles only)."""
    ids = {note.recipient_id for note in notes}
    return dict(session.execute(sa.select(User.id, User.role).where(User.id.in_(ids))).all())


def get_notification(session: Session, note_id) -> Notification:
    """One notification by id, for the staff who watch deliveries."""
    from portal.i18n import gettext as _
    from portal.services.errors import NotFound

    note = session.get(Notification, note_id)
    if note is None:
        raise NotFound(_("We could not find that page."))
    return note
