"""Whether peer support helps, asked without breaking confidentiality.

"Is this helping?" (yes / somewhat / not really / prefer not to say) goes to the participant 30
and 90 days into a relationship and when it ends, and to the volunteer when it ends. The answer
is a code; from the same question the participant may ask for a change. Reports count the
answers by quarter, with the same small-cell suppression as every report.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import Intake, Match, MatchState, OutcomePulse, User, VolunteerProfile, utcnow
from portal.services import notifications
from portal.services.errors import DomainError, NotFound

ANSWERS = (
    ("yes", _l("Yes")),
    ("somewhat", _l("Somewhat")),
    ("not_really", _l("Not really")),
    ("prefer_not", _l("I would rather not say")),
)
MOMENTS = {"day_30": 30, "day_90": 90}


def _ask(session: Session, match: Match, role: str, moment: str, person: User | None) -> bool:
    """One pulse, once per match, role and moment (a unique constraint keeps it so)."""
    if person is None or not person.is_active:
        return False
    try:
        with session.begin_nested():
            session.add(OutcomePulse(match_id=match.id, role=role, moment=moment))
            session.flush()
    except IntegrityError:
        return False
    notifications.notify(session, person, "outcome_pulse", subject_type="match",
                         subject_id=match.id)
    return True


def _people(session: Session, match: Match) -> tuple[User | None, User | None]:
    intake = session.get(Intake, match.intake_id)
    profile = session.get(VolunteerProfile, match.volunteer_id)
    participant = session.get(User, intake.participant_id) if intake.participant_id else None
    return participant, session.get(User, profile.user_id) if profile else None


def ask_due(session: Session, now=None) -> int:
    """The 30- and 90-day questions now due; returns how many were asked."""
    now = now or utcnow()
    asked = 0
    for moment, days in MOMENTS.items():
        done = sa.select(OutcomePulse.match_id).where(OutcomePulse.moment == moment)
        due = session.execute(sa.select(Match).where(
            Match.state == MatchState.ACTIVE, Match.activated_at <= now - timedelta(days=days),
            Match.id.not_in(done))).scalars().all()
        for match in due:
            participant, _volunteer = _people(session, match)
            asked += _ask(session, match, "participant", moment, participant)
    return asked


def ask_at_closure(session: Session, match: Match) -> None:
    """When a relationship ends: the question to both of them."""
    participant, volunteer = _people(session, match)
    _ask(session, match, "participant", "closure", participant)
    _ask(session, match, "volunteer", "closure", volunteer)


def waiting_for(session: Session, user: User) -> OutcomePulse | None:
    """The oldest unanswered question for ``user``."""
    role = str(user.role)
    query = sa.select(OutcomePulse).join(Match, Match.id == OutcomePulse.match_id).where(
        OutcomePulse.role == role, OutcomePulse.answer.is_(None))
    if role == "participant":
        query = query.join(Intake, Intake.id == Match.intake_id).where(
            Intake.participant_id == user.id)
    else:
        query = query.join(VolunteerProfile, VolunteerProfile.id == Match.volunteer_id).where(
            VolunteerProfile.user_id == user.id)
    return session.execute(query.order_by(OutcomePulse.asked_at)).scalars().first()


def answer(session: Session, user: User, pulse_id, value: str) -> OutcomePulse:
    pulse = waiting_for(session, user)
    if pulse is None or str(pulse.id) != str(pulse_id):
        raise NotFound(_("That question is no longer waiting for an answer."))
    if value not in dict(ANSWERS):
        raise DomainError(_("Please choose one of the options shown."))
    pulse.answer, pulse.answered_at = value, utcnow()
    return pulse


def _quarter(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def by_quarter(session: Session) -> tuple[list[date], dict[str, list[int]]]:
    """Answers per quarter (participants' and volunteers' together), for the reports."""
    rows = session.execute(sa.select(OutcomePulse.answered_at, OutcomePulse.answer)
                           .where(OutcomePulse.answer.is_not(None))).all()
    quarters = sorted({_quarter(at.date()) for at, _answer in rows})
    counts = {code: [0] * len(quarters) for code, _label in ANSWERS}
    for at, value in rows:
        counts[value][quarters.index(_quarter(at.date()))] += 1
    return quarters, counts
