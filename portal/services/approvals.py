"""How long a volunteer's approval (screening and training) holds, its reminder and renewal.

An approval holds through ``approved_until``: ``approval_months`` (a setting) from the day the
coordinator makes the volunteer active, or renews it. The day after, the volunteer is not
matchable (the engine's fact ``lapsed``, under the rule ``not_active``: every path that asks
someone reads it) until the coordinator renews it. ``approval_reminder_days`` before, a reminder
goes to the volunteer through the one notification path (neutral email, quiet hours), once per
valid-until date: claimed by a conditional update before it is written, so two clocks or a
rerun send it once, and a renewal (a new date) gets a reminder of its own.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.i18n import gettext as _
from portal.models import OnboardingState, User, VolunteerProfile, utcnow
from portal.security import audit
from portal.services import calendar, notifications, settings
from portal.services.errors import Conflict

# Volunteers whose approval still matters: the ones who may be asked, now or after a pause.
APPROVED_STATES = (OnboardingState.ACTIVE, OnboardingState.PAUSED)


def months_after(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def has_lapsed(approved_until: date | None, today: date) -> bool:
    """Whether an approval holding through ``approved_until`` has lapsed by ``today``."""
    return approved_until is not None and approved_until < today


def lapsed_on(approved_until: date) -> date:
    """The first day an approval no longer holds."""
    return approved_until + timedelta(days=1)


def start(session: Session, profile: VolunteerProfile) -> None:
    """A newly approved volunteer's approval holds for the set months from today."""
    profile.approved_until = months_after(calendar.program_today(session),
                                          int(settings.get(session, "approval_months")))


def renew(session: Session, profile: VolunteerProfile, *, actor) -> date:
    """The coordinator renews a volunteer's approval from today (audited); the new date."""
    if profile.state not in APPROVED_STATES:
        raise Conflict(_("Only an active or paused volunteer's approval can be renewed."))
    start(session, profile)
    audit.record(session, actor=actor, action="renew", subject_type="volunteer_profile",
                 subject_id=profile.id, detail=profile.approved_until.isoformat())
    _recompute_for(session, profile)  # they may be suggested again
    return profile.approved_until


def _recompute_for(session: Session, profile: VolunteerProfile) -> None:
    """Waiting requests' suggestions that this volunteer's approval can alter, recomputed."""
    from portal.services import volunteers  # volunteers starts approvals: import at call time

    volunteers.queue_recompute(session, profile)


# A lapse is taken up by the clock's next runs; two days cover a clock that was down a day.
LAPSE_WINDOW_DAYS = 2


def recompute_after_lapses(session: Session, now: datetime | None = None) -> int:
    """Active volunteers whose approval lapsed in the last days: the requests they are suggested
    for get their suggestions again (they show as blocked until then); how many were queued.

    The queued job is deduplicated per volunteer, so a clock's repeated runs queue it once.
    """
    now = now or utcnow()
    today = now.astimezone(calendar.program_zone(session)).date()
    v = VolunteerProfile
    lapsed = session.execute(sa.select(v).where(
        v.state == OnboardingState.ACTIVE,
        v.approved_until < today,
        v.approved_until >= today - timedelta(days=LAPSE_WINDOW_DAYS))).scalars().all()
    for profile in lapsed:
        _recompute_for(session, profile)
    return len(lapsed)


def _claim(session: Session, profile_id, due: date) -> bool:
    """Mark the reminder for the valid-until date ``due`` as sent, once (False: already)."""
    v = VolunteerProfile
    return session.execute(
        sa.update(v).where(v.id == profile_id, v.approved_until == due,
                           sa.or_(v.approval_reminded_for.is_(None),
                                  v.approval_reminded_for != due))
        # updated_at kept: a reminder changes nothing the matching pool encodes
        .values(approval_reminded_for=due, updated_at=v.updated_at)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def send_due_reminders(session: Session, now: datetime | None = None) -> int:
    """Every approval reminder now due, each once per valid-until date; how many were sent."""
    now = now or utcnow()
    today = now.astimezone(calendar.program_zone(session)).date()
    days = int(settings.get(session, "approval_reminder_days"))
    v = VolunteerProfile
    due = session.execute(
        sa.select(v.id, v.approved_until, User).join(User, User.id == v.user_id)
        .where(v.state.in_(APPROVED_STATES), v.approved_until.is_not(None),
               v.approved_until <= today + timedelta(days=days),
               sa.or_(v.approval_reminded_for.is_(None),
                      v.approval_reminded_for != v.approved_until),
               User.is_enabled, User.erased_at.is_(None))
    ).all()
    sent = 0
    for profile_id, until, user in due:
        if _claim(session, profile_id, until):
            notifications.notify(session, user, "approval_renewal",
                                 subject_type="volunteer_profile", subject_id=profile_id)
            sent += 1
    session.flush()
    return sent
