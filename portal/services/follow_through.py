"""After a yes: the first contact, and the reminders that keep a match from never starting.

For a person in distress, silence is a safety signal, so nothing here re-offers quietly:
- a volunteer who said yes confirms "we have spoken" (one click, no content; a first check-in
  counts too);
- no first contact ``first_contact_days["remind"]`` days after the yes: a reminder to the
  volunteer; still none after ``["escalate"]`` days: every coordinator is told;
- ``offer_reminder_hours`` before an unanswered offer ends: a reminder to the volunteer;
- no check-in for ``quiet_weeks["remind"]`` weeks (since the last one, or the first contact): a
  gentle reminder to the volunteer; ``["escalate"]`` weeks: the coordinators are told. A new
  check-in starts the count again.

Every reminder is a notification through the one path (neutral email, quiet hours), sent once:
each is claimed by a conditional update of its own column before it is written. The same
conditions (``no_first_contact``, ``quiet_for``) make the coordinator's Today lists of first
contacts overdue and quiet relationships, so a relationship stays there until it is resolved.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.i18n import gettext as _
from portal.models import CheckIn, Match, MatchState, User, VolunteerProfile, utcnow
from portal.security import audit
from portal.services import notifications, settings
from portal.services.errors import Conflict


def confirm_first_contact(session: Session, match: Match, *, actor) -> bool:
    """The volunteer says they have spoken; True the first time (audited, no content)."""
    if match.state != MatchState.ACTIVE:
        raise Conflict(_("This relationship is no longer active."))
    if match.first_contact_at is not None:
        return False
    match.first_contact_at = utcnow()
    audit.record(session, actor=actor, action="first_contact", subject_type="match",
                 subject_id=match.id)
    return True


def no_first_contact(now: datetime, days: float):
    """Active relationships with no first contact ``days`` or more after the yes."""
    return sa.and_(Match.state == MatchState.ACTIVE, Match.first_contact_at.is_(None),
                   Match.activated_at <= now - timedelta(days=days))


def _quiet_since():
    """(relationships with a first contact, since when each has been quiet)."""
    last = (sa.select(CheckIn.match_id, sa.func.max(CheckIn.created_at).label("at"))
            .group_by(CheckIn.match_id).subquery())
    since = sa.func.coalesce(last.c.at, Match.first_contact_at)
    return (sa.select(Match).outerjoin(last, last.c.match_id == Match.id)
            .where(Match.state == MatchState.ACTIVE, Match.first_contact_at.is_not(None)), since)


def quiet_for(now: datetime, weeks: float):
    """(a select of relationships quiet for ``weeks`` or more, since when each has been quiet).

    Quiet since the last check-in, or the first contact when there was none; a relationship
    with no first contact is the other list's (``no_first_contact``).
    """
    query, since = _quiet_since()
    return query.where(since <= now - timedelta(weeks=weeks)), since


def next_overdue(now: datetime, days: float):
    """A select of the next moment after ``now`` a relationship joins ``no_first_contact``."""
    return (sa.select(sa.func.min(Match.activated_at))
            .where(Match.state == MatchState.ACTIVE, Match.first_contact_at.is_(None),
                   Match.activated_at > now - timedelta(days=days)))


def next_quiet(now: datetime, weeks: float):
    """A select of the earliest quiet-since moment of a relationship not yet ``quiet_for``."""
    query, since = _quiet_since()
    return query.where(since > now - timedelta(weeks=weeks)).with_only_columns(
        sa.func.min(since))


def _claim(session: Session, match_id, column: str, now: datetime) -> bool:
    """Mark one reminder as sent, once: False if another clock (or run) took it first."""
    return session.execute(
        sa.update(Match).where(Match.id == match_id, getattr(Match, column).is_(None))
        .values({column: now}).execution_options(synchronize_session=False)
    ).rowcount == 1


def _volunteer_user(session: Session, match: Match) -> User | None:
    profile = session.get(VolunteerProfile, match.volunteer_id)
    user = session.get(User, profile.user_id) if profile is not None else None
    return user if user is not None and user.is_active else None


def send_due_reminders(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Every reminder now due, each once; returns how many of each were sent."""
    now = now or utcnow()
    days = settings.get(session, "first_contact_days")
    hours = int(settings.get(session, "offer_reminder_hours"))
    sent = {"first_contact_reminder": 0, "first_contact_overdue": 0, "offer_expiring": 0,
            "quiet_reminder": 0, "quiet_relationship": 0}

    remind = session.execute(sa.select(Match).where(
        no_first_contact(now, days["remind"]),
        Match.contact_reminded_at.is_(None))).scalars().all()
    for match in remind:
        user = _volunteer_user(session, match)
        if user and _claim(session, match.id, "contact_reminded_at", now):
            notifications.notify(session, user, "first_contact_reminder", subject_type="match",
                                 subject_id=match.id)
            sent["first_contact_reminder"] += 1

    overdue = session.execute(sa.select(Match.id).where(
        no_first_contact(now, days["escalate"]),
        Match.contact_escalated_at.is_(None))).scalars().all()
    for match_id in overdue:
        if _claim(session, match_id, "contact_escalated_at", now):
            notifications.notify_staff(session, "first_contact_overdue", subject_type="match",
                                       subject_id=match_id)
            sent["first_contact_overdue"] += 1

    ending = session.execute(sa.select(Match).where(
        Match.state == MatchState.OFFERED, Match.expiry_reminded_at.is_(None),
        Match.expires_at > now, Match.expires_at <= now + timedelta(hours=hours),
        # an offer that was short from the start gets no reminder on its first hour
        Match.offered_at <= now - timedelta(hours=1))).scalars().all()
    for match in ending:
        user = _volunteer_user(session, match)
        if user and _claim(session, match.id, "expiry_reminded_at", now):
            notifications.notify(session, user, "offer_expiring", subject_type="match",
                                 subject_id=match.id)
            sent["offer_expiring"] += 1
    _quiet_ones(session, now, settings.get(session, "quiet_weeks"), sent)
    session.flush()
    return sent


def _quiet_ones(session: Session, now: datetime, weeks: dict, sent: dict) -> None:
    remind, _since = quiet_for(now, weeks["remind"])
    for match in session.execute(remind.where(
            Match.quiet_reminded_at.is_(None))).scalars().all():
        user = _volunteer_user(session, match)
        if user and _claim(session, match.id, "quiet_reminded_at", now):
            notifications.notify(session, user, "quiet_reminder", subject_type="match",
                                 subject_id=match.id)
            sent["quiet_reminder"] += 1
    escalate, _since = quiet_for(now, weeks["escalate"])
    for match in session.execute(escalate.where(
            Match.quiet_escalated_at.is_(None))).scalars().all():
        if _claim(session, match.id, "quiet_escalated_at", now):
            notifications.notify_staff(session, "quiet_relationship", subject_type="match",
                                       subject_id=match.id)
            sent["quiet_relationship"] += 1
