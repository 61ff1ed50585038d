"""Active peer relationships: the introduction, content-free check-ins, change requests, closure.

Either side may ask for a change at any time, free of judgment: the pair is closed with the
reason ``change_requested`` (matching never suggests that pair again) and the request goes
back to the front of the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import (
    CheckIn,
    Intake,
    IntakeState,
    Match,
    MatchState,
    ReferralResource,
    User,
    VolunteerProfile,
    utcnow,
)
from portal.security import audit
from portal.services import calendar, matching, notifications, outcomes
from portal.services.errors import Conflict, DomainError
from portal.services.offers import CHANGE_REQUESTED, lock
from portal.services.states import transition
from portal.vocab import REFERRAL_CATEGORIES

CHECK_IN_MODES = (
    ("phone", _l("Phone call")),
    ("video", _l("Video call")),
    ("in_person", _l("In person")),
    ("message", _l("Messages")),
)
CHECK_IN_FLAGS = (
    ("going_well", _l("Going well")),
    ("needs_referral", _l("Could use a referral to other help")),
    ("safety_concern", _l("I have a safety concern")),
)
SAFETY_CONCERN = "safety_concern"
NEEDS_REFERRAL = "needs_referral"  # reaches the coordinator's Today until marked handled
# What a volunteer may choose when closing; a change request has its own action.
CLOSE_REASONS = (
    ("completed", _l("We have finished: the support has run its course")),
    ("referred_out", _l("I have referred them to other help that fits better")),
    ("withdrawn", _l("They have stepped away or stopped replying")),
)
# The directory's categories, in display order (see the coordinator's resource editor).


def active_for(session: Session, profile: VolunteerProfile) -> list[tuple[Match, str]]:
    """The volunteer's current relationships with each participant's chosen name, oldest first."""
    matches = session.execute(
        sa.select(Match).where(Match.volunteer_id == profile.id, Match.state == MatchState.ACTIVE)
        .order_by(Match.activated_at)
    ).scalars()
    return [(match, alias_of(session, match)) for match in matches]


def alias_of(session: Session, match: Match) -> str:
    """The name the participant chose to be known by."""
    intake = session.get(Intake, match.intake_id)
    return (intake.alias if intake is not None else None) or _("A member")


@dataclass(frozen=True)
class Introduction:
    """How to reach the participant, as they consented to share at acceptance."""

    alias: str
    email: str | None
    phone: str | None
    voicemail_ok: bool
    contact_times: str | None
    since: datetime | None


def introduction(session: Session, match: Match, *, viewer) -> Introduction | None:
    """The participant's contact details while the relationship is active (the look is audited)."""
    if match.state != MatchState.ACTIVE:
        return None
    intake = session.get(Intake, match.intake_id)
    participant = session.get(User, intake.participant_id) if intake.participant_id else None
    audit.record(session, actor=viewer, action="view", subject_type="intake", subject_id=intake.id,
                 detail="introduction")
    return Introduction(
        alias=intake.alias or _("A member"),
        email=participant.email if participant is not None and participant.is_active else None,
        phone=intake.phone, voicemail_ok=intake.voicemail_ok, contact_times=intake.contact_times,
        since=match.activated_at,
    )


def check_ins(session: Session, match: Match) -> list[CheckIn]:
    """The relationship's check-ins, newest first."""
    return list(session.execute(
        sa.select(CheckIn).where(CheckIn.match_id == match.id)
        .order_by(CheckIn.occurred_on.desc(), CheckIn.created_at.desc())
    ).scalars())


def first_check_in_day(session: Session, match: Match) -> date | None:
    """The first day a check-in may name: the program's date of the introduction (its UTC
    date is the next day every evening in the Americas)."""
    started = calendar.local(match.activated_at, session)
    return started.date() if started else None


def log_check_in(session: Session, match: Match, *, actor, occurred_on: date, mode: str,
                 flag: str) -> CheckIn:
    """Record that a conversation happened (no content); a safety concern alerts staff at once."""
    if match.state != MatchState.ACTIVE:
        raise Conflict(_("This relationship has ended, so check-ins are closed."))
    if mode not in dict(CHECK_IN_MODES) or flag not in dict(CHECK_IN_FLAGS):
        raise DomainError(_("Please choose one of the options shown."))
    earliest = first_check_in_day(session, match) or occurred_on
    if not earliest <= occurred_on <= calendar.program_today(session):
        raise DomainError(_("Please choose a day between the start of the relationship and today."))
    entry = CheckIn(match_id=match.id, mode=mode, flag=flag,
                    occurred_on=datetime.combine(occurred_on, time(12), tzinfo=UTC))
    session.add(entry)
    if match.first_contact_at is None:  # a conversation logged is a first contact made
        match.first_contact_at = utcnow()
    match.quiet_reminded_at = match.quiet_escalated_at = None  # not quiet any more
    session.flush()
    audit.record(session, actor=actor, action="create", subject_type="check_in",
                 subject_id=entry.id, detail=flag)
    if flag == SAFETY_CONCERN:
        notifications.notify_staff(session, "safety_flag", subject_type="match",
                                   subject_id=match.id)
    return entry


def _close(session: Session, match: Match, *, actor, reason: str) -> Intake:
    """Close an active match; returns its intake, locked."""
    match = lock(session, Match, match.id)
    if match.state != MatchState.ACTIVE:
        raise Conflict(_("This relationship has already ended."))
    transition(session, match, MatchState.CLOSED, actor=actor, reason=reason)
    match.closed_at, match.close_reason = utcnow(), reason
    match.closed_by_role = str(actor.role) if actor is not None else None
    return lock(session, Intake, match.intake_id)


def request_change(session: Session, match: Match, *, actor) -> None:
    """Either side asks for a change: the pair ends and the request goes back to the front."""
    intake = _close(session, match, actor=actor, reason=CHANGE_REQUESTED)
    if intake.state == IntakeState.MATCHED:
        transition(session, intake, IntakeState.WAITING, actor=actor, reason=CHANGE_REQUESTED)
        intake.priority = True
        intake.waiting_since = utcnow()
        matching.ask_for_suggestions(session, intake)
    # The coordinator facilitates the change and speaks with the other side personally.
    notifications.notify_staff(session, "change_requested", subject_type="intake",
                               subject_id=intake.id)


def close_relationship(session: Session, match: Match, *, actor, reason: str) -> None:
    """End the relationship for ``reason``; the request closes and its retention clock starts."""
    if reason == CHANGE_REQUESTED:
        request_change(session, match, actor=actor)
        return
    if reason not in dict(CLOSE_REASONS):
        raise DomainError(_("Please choose one of the options shown."))
    intake = end_relationship(session, match, actor=actor, reason=reason)
    outcomes.ask_at_closure(session, match)  # not after a change request: that is its answer
    if intake.state == IntakeState.MATCHED:
        transition(session, intake, IntakeState.CLOSED, actor=actor, reason=reason)
        intake.closed_at, intake.close_reason = utcnow(), reason


def end_relationship(session: Session, match: Match, *, actor, reason: str) -> Intake:
    """Close an active match and tell the other side and the coordinator; returns the intake.

    The intake's own state is the caller's to decide (closed, withdrawn, waiting again).
    """
    intake = _close(session, match, actor=actor, reason=reason)
    for person in _other_side(session, match, intake, actor):
        notifications.notify(session, person, "relationship_closed", subject_type="match",
                             subject_id=match.id)
    notifications.notify_staff(session, "relationship_closed", subject_type="match",
                               subject_id=match.id)
    return intake


def _other_side(session: Session, match: Match, intake: Intake, actor) -> list[User]:
    """The person in the pair who did not act (staff acting: both), if they can be reached."""
    profile = session.get(VolunteerProfile, match.volunteer_id)
    pair = {intake.participant_id, profile.user_id if profile else None}
    ids = pair - {getattr(actor, "id", None)}
    people = [session.get(User, person_id) for person_id in ids if person_id is not None]
    return [person for person in people if person is not None and person.is_active]


def referral_directory(session: Session) -> list[tuple[str, list[ReferralResource]]]:
    """Active resources grouped by category, in the directory's order."""
    resources = session.execute(
        sa.select(ReferralResource).where(ReferralResource.active)
        .order_by(ReferralResource.name)
    ).scalars().all()
    order = [code for code, _label in REFERRAL_CATEGORIES]
    codes = order + sorted({r.category for r in resources} - set(order))
    labels = dict(REFERRAL_CATEGORIES)
    return [(str(labels.get(code, code.replace("_", " ").capitalize())),
             [r for r in resources if r.category == code])
            for code in codes if any(r.category == code for r in resources)]
