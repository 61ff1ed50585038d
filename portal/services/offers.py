"""Offers to volunteers: made, accepted, declined, expired or withdrawn, one function each.

Races: every function locks the rows it changes in one order — volunteer profile, then match,
then intake (FOR UPDATE on PostgreSQL; SQLite allows one writer at a time) — and re-reads
their states under the lock. So an offer withdrawn or expired a moment ago can never be
accepted, an intake is never matched twice, and a volunteer's capacity is never exceeded.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import vocab
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.matching.rules import Reason
from portal.models import (
    Intake,
    IntakeState,
    Match,
    MatchState,
    OnboardingState,
    Suggestion,
    User,
    VolunteerProfile,
    utcnow,
)
from portal.security import audit
from portal.services import (
    engine_records,
    matching,
    matching_words,
    notifications,
    program_lists,
    settings,
    volunteers,
)
from portal.services.errors import Conflict, NotFound
from portal.services.states import transition

CHANGE_REQUESTED = "change_requested"


def no_longer_open() -> str:
    return _("This offer is no longer open: it was withdrawn or reached its time limit a moment "
             "ago. Nothing has changed for you, and there is nothing you need to do.")


def lock(session: Session, model, row_id, *, skip_locked: bool = False):
    """Reload one row under a row lock, with its current values (None if skipped or gone)."""
    query = (sa.select(model).where(model.id == row_id)
             .with_for_update(skip_locked=skip_locked)
             .execution_options(populate_existing=True))
    return session.execute(query).scalar()


def get_for_volunteer(session: Session, match_id: uuid.UUID, user: User) -> Match:
    """One of the volunteer's own matches; anyone else's answers 404, so ids are not confirmed."""
    match = session.execute(
        sa.select(Match).join(VolunteerProfile, Match.volunteer_id == VolunteerProfile.id)
        .where(Match.id == match_id, VolunteerProfile.user_id == user.id)
    ).scalar()
    if match is None:
        raise NotFound(_("We could not find that page."))
    return match


def open_offers(session: Session, profile: VolunteerProfile) -> list[Match]:
    """Offers waiting for the volunteer's answer, oldest first."""
    return list(session.execute(
        sa.select(Match).where(Match.volunteer_id == profile.id,
                               Match.state == MatchState.OFFERED)
        .order_by(Match.offered_at)
    ).scalars())


class Ineligible(Conflict):
    """A hard rule refuses this pair now; ``reason`` is the engine's code for the first one."""

    def __init__(self, reason: Reason, words: str) -> None:
        super().__init__(words)
        self.reason = reason


def refuse_if_ineligible(session: Session, intake: Intake, volunteer: VolunteerProfile) -> None:
    """Raise Ineligible when the engine's hard rules exclude this pair now, as it would record."""
    record = engine_records.volunteer_record(session, volunteer)
    from portal.matching import exclusion  # the engine: loaded by the first offer, not the web

    reason = exclusion(engine_records.participant_record(session, intake), record)
    if reason:
        raise Ineligible(reason, matching_words.sentence(reason, record))


def make_offer(session: Session, intake: Intake, volunteer: VolunteerProfile, *, actor,
               source: str = "suggestion") -> Match:
    """Offer ``intake`` to ``volunteer``: a match in ``offered`` that expires, and a notification.

    The last gate before a person is asked (suggestions, plan approvals and manual matches all
    come through here): the engine's own hard rules, run again under the row locks.
    """
    volunteer = lock(session, VolunteerProfile, volunteer.id)
    intake = lock(session, Intake, intake.id)
    if intake.state != IntakeState.WAITING:
        raise Conflict(_("This request is not waiting for an offer any more."))
    refuse_if_ineligible(session, intake, volunteer)
    now = utcnow()
    hours = settings.get(session, "offer_expiry_hours")
    match = Match(
        intake_id=intake.id, volunteer_id=volunteer.id, source=source, offered_by_id=actor.id,
        offered_at=now, expires_at=now + timedelta(hours=hours),
        score=_suggested_score(session, intake, volunteer),
    )
    session.add(match)
    session.flush()
    audit.record(session, actor=actor, action="create", subject_type="match", subject_id=match.id,
                 detail=f"offer:{source}")
    transition(session, intake, IntakeState.OFFERED, actor=actor, reason="offer")
    notifications.notify(session, session.get(User, volunteer.user_id), "offer",
                         subject_type="match", subject_id=match.id)
    return match


def _suggested_score(session: Session, intake: Intake, volunteer: VolunteerProfile):
    return session.execute(
        sa.select(Suggestion.score).where(Suggestion.intake_id == intake.id,
                                          Suggestion.volunteer_id == volunteer.id)
    ).scalar()


def accept(session: Session, match: Match, *, actor) -> Match:
    """The volunteer says yes: the match becomes active and both sides get their introduction."""
    volunteer = lock(session, VolunteerProfile, match.volunteer_id)
    match = lock(session, Match, match.id)
    now = utcnow()
    if match.state != MatchState.OFFERED or (match.expires_at and match.expires_at <= now):
        raise Conflict(no_longer_open())
    intake = lock(session, Intake, match.intake_id)
    if intake.state != IntakeState.OFFERED or volunteer.state != OnboardingState.ACTIVE:
        raise Conflict(no_longer_open())
    if volunteers.load_counts(session, volunteer)[MatchState.ACTIVE] >= volunteer.capacity:
        raise Conflict(_("You are already supporting as many people as your capacity allows. "
                         "To take this on, raise your capacity in your profile first."))
    transition(session, match, MatchState.ACTIVE, actor=actor, reason="accepted")
    match.responded_at = match.activated_at = now
    transition(session, intake, IntakeState.MATCHED, actor=actor, reason="accepted")
    for person_id in (intake.participant_id, volunteer.user_id):
        person = session.get(User, person_id) if person_id else None
        if person is not None and person.is_active:
            notifications.notify(session, person, "introduction", subject_type="match",
                                 subject_id=match.id)
    notifications.notify_staff(session, "offer_accepted", subject_type="match", subject_id=match.id)
    return match


def decline(session: Session, match: Match, *, actor) -> None:
    """The volunteer says no, no reason asked; the coordinator is told and picks the next."""
    match = lock(session, Match, match.id)
    if match.state != MatchState.OFFERED:
        raise Conflict(no_longer_open())
    transition(session, match, MatchState.DECLINED, actor=actor)
    match.responded_at = utcnow()
    intake = _release_intake(session, match, actor=actor, reason="declined")
    notifications.notify_staff(session, "offer_declined", subject_type="intake",
                               subject_id=intake.id)


def withdraw(session: Session, match: Match, *, actor, reason: str | None = None) -> None:
    """Take back an unanswered offer (coordinator, participant, or the volunteer leaving)."""
    match = lock(session, Match, match.id)
    if match.state != MatchState.OFFERED:
        raise Conflict(_("This offer has already been answered or has expired."))
    transition(session, match, MatchState.WITHDRAWN, actor=actor, reason=reason)
    _release_intake(session, match, actor=actor, reason="withdrawn")
    volunteer = session.get(User, session.get(VolunteerProfile, match.volunteer_id).user_id)
    if volunteer is not None and volunteer.is_active and getattr(actor, "id", None) != volunteer.id:
        notifications.notify(session, volunteer, "offer_withdrawn", subject_type="match",
                             subject_id=match.id)


def expire_due_offers(session: Session, now: datetime) -> int:
    """Expire every offer unanswered past its time; the coordinator decides what comes next."""
    due = session.execute(
        sa.select(Match.id).where(Match.state == MatchState.OFFERED, Match.expires_at <= now)
    ).scalars().all()
    expired = 0
    for match_id in due:
        # An offer being answered right now is locked: skip it, it is settled either way.
        match = lock(session, Match, match_id, skip_locked=True)
        if match is None or match.state != MatchState.OFFERED or match.expires_at > now:
            continue
        transition(session, match, MatchState.EXPIRED, actor=None, reason="no_answer")
        intake = _release_intake(session, match, actor=None, reason="expired")
        notifications.notify_staff(session, "offer_expired", subject_type="intake",
                                   subject_id=intake.id)
        expired += 1
    return expired


def _release_intake(session: Session, match: Match, *, actor, reason: str) -> Intake:
    """Put the offer's intake back in the queue (unless it moved on) and refresh suggestions."""
    intake = lock(session, Intake, match.intake_id)
    if intake.state == IntakeState.OFFERED:
        transition(session, intake, IntakeState.WAITING, actor=actor, reason=reason)
        matching.ask_for_suggestions(session, intake)
    return intake


@dataclass(frozen=True)
class OfferView:
    """What a volunteer may know before saying yes, and no more than the participant was told:
    the topics in the program's words, roughly when they are free, and their region only if
    they allowed it. Never a name, a contact, a note, a firm, or anything else about them."""

    concerns: list[str]
    times: list[tuple[str, list[tuple[str, bool]]]]  # weekdays/weekends: (part, you too?)
    region: str | None
    expires_at: datetime | None


def offer_view(session: Session, match: Match, *, viewer) -> OfferView:
    """The need-to-know summary of an offer; the look is recorded in the audit log."""
    intake = session.get(Intake, match.intake_id)
    volunteer = session.get(VolunteerProfile, match.volunteer_id)
    concerns = sorted(intake.concerns or (), key=lambda c: c != intake.primary_concern)
    audit.record(session, actor=viewer, action="view", subject_type="intake", subject_id=intake.id,
                 detail="offer")
    return OfferView(
        concerns=[vocab.label(vocab.CONCERNS, code) for code in concerns],
        times=rough_times(intake.availability_mask, volunteer.availability_mask),
        region=program_lists.label(session, "regions", intake.region)
        if intake.region and intake.share_region else None,
        expires_at=match.expires_at,
    )


WEEK_PARTS = ((_l("Weekdays"), range(5)), (_l("Weekends"), range(5, 7)))


def rough_times(mask: int, other_mask: int = 0) -> list[tuple[str, list[tuple[str, bool]]]]:
    """When someone is free, roughly: the parts of weekdays and of weekends with any free time,
    each with whether the other person is free in that part too."""
    rough = []
    for group_label, days in WEEK_PARTS:
        parts = []
        for part, (_code, part_label) in enumerate(vocab.PARTS_OF_DAY):
            bits = sum(1 << vocab.cell_index(day, part) for day in days)
            if mask & bits:
                parts.append((str(part_label), bool(mask & other_mask & bits)))
        if parts:
            rough.append((str(group_label), parts))
    return rough
