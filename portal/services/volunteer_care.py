"""Care for volunteers: compassion fatigue drives them away.

Once a month (``wellbeing_every_days``) each active volunteer is asked, privately, "How are you
doing with this role?". Their answer is theirs alone: the coordinator never sees it, only that
someone asked for a debrief, so they can offer one. Volunteers also log contacts and time
(counts only) for the program's annual report, which shows totals only when enough volunteers
make them up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import (
    OnboardingState,
    ServiceLog,
    User,
    VolunteerProfile,
    WellbeingCheck,
    utcnow,
)
from portal.security import audit
from portal.services import calendar, notifications, settings
from portal.services.errors import DomainError, NotFound

WELLBEING_ANSWERS = (
    ("well", _l("Well: it feels right")),
    ("ok", _l("All right, some weeks are heavy")),
    ("struggling", _l("It is weighing on me")),
    ("prefer_not", _l("I would rather not say")),
)
EVERY_DAYS = 30
MAX_CONTACTS, MAX_MINUTES = 50, 24 * 60


def latest_check(session: Session, profile: VolunteerProfile) -> WellbeingCheck | None:
    return session.execute(sa.select(WellbeingCheck).where(
        WellbeingCheck.profile_id == profile.id).order_by(WellbeingCheck.asked_at.desc())
    ).scalars().first()


def answer(session: Session, profile: VolunteerProfile, *, answer: str, debrief: bool,
           actor) -> WellbeingCheck:
    """The volunteer's answer (kept private); a debrief request reaches the coordinators."""
    if answer not in dict(WELLBEING_ANSWERS):
        raise DomainError(_("Please choose one of the options shown."))
    check = latest_check(session, profile)
    if check is None or check.answered_at is not None:
        check = WellbeingCheck(profile_id=profile.id)
        session.add(check)
    check.answer, check.answered_at, check.debrief_asked = answer, utcnow(), debrief
    session.flush()
    if debrief:
        notifications.notify_staff(session, "debrief_requested", subject_type="volunteer",
                                   subject_id=profile.id)
        audit.record(session, actor=actor, action="debrief_asked", subject_type="volunteer",
                     subject_id=profile.id)
    return check


def debrief_waiting(session: Session, profile: VolunteerProfile) -> WellbeingCheck | None:
    """A debrief this volunteer asked for and nobody has taken on yet (for the coordinator)."""
    return session.execute(sa.select(WellbeingCheck).where(
        WellbeingCheck.profile_id == profile.id, WellbeingCheck.debrief_asked,
        WellbeingCheck.debrief_taken_at.is_(None)).order_by(WellbeingCheck.answered_at)
    ).scalars().first()


def take_on_debrief(session: Session, profile: VolunteerProfile, *, actor) -> None:
    check = debrief_waiting(session, profile)
    if check is None:
        raise NotFound(_("There is no debrief waiting for this volunteer."))
    check.debrief_taken_at = utcnow()
    audit.record(session, actor=actor, action="debrief_taken", subject_type="volunteer",
                 subject_id=profile.id)


def ask_due(session: Session, now=None) -> int:
    """Ask each active volunteer not asked in the last ``EVERY_DAYS``; returns how many."""
    now = now or utcnow()
    recent = sa.select(WellbeingCheck.profile_id).where(
        WellbeingCheck.asked_at > now - timedelta(days=EVERY_DAYS))
    due = session.execute(sa.select(VolunteerProfile).where(
        VolunteerProfile.state == OnboardingState.ACTIVE,
        VolunteerProfile.id.not_in(recent))).scalars().all()
    asked = 0
    for profile in due:
        user = session.get(User, profile.user_id)
        if user is None or not user.is_active:
            continue
        session.add(WellbeingCheck(profile_id=profile.id, asked_at=now))
        notifications.notify(session, user, "wellbeing_check", subject_type="volunteer",
                             subject_id=profile.id)
        asked += 1
    session.flush()
    return asked


# ---------------------------------------------------------------- contacts and hours

def log_service(session: Session, profile: VolunteerProfile, *, day: date, contacts: int,
                minutes: int) -> ServiceLog:
    today = calendar.program_today(session)
    if not (today - timedelta(days=366) <= day <= today):
        raise DomainError(_("Please choose a day in the past year."))
    if not (0 <= contacts <= MAX_CONTACTS and 0 <= minutes <= MAX_MINUTES) \
            or contacts + minutes == 0:
        raise DomainError(_("Please give a number of contacts or some time."))
    entry = ServiceLog(profile_id=profile.id, day=day, contacts=contacts, minutes=minutes)
    session.add(entry)
    session.flush()
    return entry


def my_logs(session: Session, profile: VolunteerProfile, limit: int = 20) -> list[ServiceLog]:
    return list(session.execute(sa.select(ServiceLog).where(ServiceLog.profile_id == profile.id)
                                .order_by(ServiceLog.day.desc()).limit(limit)).scalars())


@dataclass(frozen=True)
class YearOfService:
    year: int
    volunteers: int
    contacts: int | None   # None: too few volunteers to show
    hours: int | None


def annual_totals(session: Session) -> list[YearOfService]:
    """Contacts and hours by year, shown only when enough volunteers make them up."""
    from portal.reports.suppression import effective_threshold  # the reports' own rule

    k = effective_threshold(settings.get(session, "suppression_threshold"))
    year = sa.extract("year", ServiceLog.day)
    rows = session.execute(sa.select(year, sa.func.count(sa.distinct(ServiceLog.profile_id)),
                                     sa.func.sum(ServiceLog.contacts),
                                     sa.func.sum(ServiceLog.minutes))
                           .group_by(year).order_by(year)).all()
    return [YearOfService(int(y), n, int(c) if n >= k else None,
                          round(m / 60) if n >= k else None) for y, n, c, m in rows]
