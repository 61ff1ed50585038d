"""Actions on one request: offer a suggestion, match by hand, recompute, pause, resume, close."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.i18n import gettext as _
from portal.matching.rules import Reason
from portal.models import (
    Intake,
    IntakeState,
    Match,
    MatchState,
    OnboardingState,
    Suggestion,
    VolunteerProfile,
    utcnow,
)
from portal.security import audit
from portal.services import engine_records, matching, offers, relationships, volunteer_pool
from portal.services.errors import Conflict, InvalidTransition
from portal.services.states import transition
from portal.services.triage.labels import CLOSE_LABELS, MANUAL_REASONS, name_of, pick_one
from portal.services.triage.record import recomputing

# ---------------------------------------------------------------- actions on a request

def offer_suggestion(session: Session, intake: Intake, volunteer_id: uuid.UUID, *,
                     actor) -> Match:
    """Offer the request to one of its suggested volunteers."""
    suggested = session.execute(
        sa.select(Suggestion.id).where(Suggestion.intake_id == intake.id,
                                       Suggestion.volunteer_id == volunteer_id)
    ).first()
    profile = session.get(VolunteerProfile, volunteer_id)
    if suggested is None or profile is None:
        raise Conflict(_("This volunteer is no longer among the suggestions. "
                         "Please look at the current list."))
    return offers.make_offer(session, intake, profile, actor=actor, source="suggestion")


def manual_candidates(session: Session, intake: Intake) -> list[VolunteerProfile]:
    """Every volunteer who may be offered this request right now, by name (the engine's rules)."""
    from portal.matching import exclusions  # the engine, loaded when first needed

    reasons = exclusions(engine_records.participant_record(session, intake),
                         volunteer_pool.volunteer_pool(session))
    profiles = session.execute(
        sa.select(VolunteerProfile).where(VolunteerProfile.state == OnboardingState.ACTIVE)
    ).scalars()
    eligible = [p for p in profiles if reasons.get(str(p.id)) is Reason.ELIGIBLE]
    return sorted(eligible, key=lambda p: (name_of(p).lower(), str(p.id)))


def manual_match(session: Session, intake: Intake, volunteer_id: uuid.UUID, *, reason: str,
                 actor) -> Match:
    """Offer the request to a volunteer the coordinator chose, for a recorded reason."""
    if reason not in dict(MANUAL_REASONS):
        raise pick_one()
    profile = session.get(VolunteerProfile, volunteer_id)
    if profile is None:
        raise Conflict(_("This volunteer is no longer in the program."))
    match = offers.make_offer(session, intake, profile, actor=actor, source="manual")
    audit.record(session, actor=actor, action="manual_match", subject_type="intake",
                 subject_id=intake.id, detail=reason)
    return match


def recompute(session: Session, intake: Intake, *, actor) -> None:
    """Ask the worker for fresh suggestions for this request."""
    if intake.state != IntakeState.WAITING:
        raise InvalidTransition(_("Suggestions are worked out only while a request is waiting."))
    if not recomputing(session, intake):  # one run at a time is enough: a second adds nothing
        matching.ask_for_suggestions(session, intake)
    audit.record(session, actor=actor, action="recompute", subject_type="intake",
                 subject_id=intake.id)


def _matches(session: Session, intake: Intake, state: MatchState) -> list[Match]:
    return list(session.execute(
        sa.select(Match).where(Match.intake_id == intake.id, Match.state == state)
    ).scalars())


def close_intake(session: Session, intake: Intake, *, reason: str, actor) -> None:
    """End the request for ``reason``: an open offer is withdrawn, a relationship closed."""
    if reason not in CLOSE_LABELS:
        raise pick_one()
    if intake.state in (IntakeState.CLOSED, IntakeState.WITHDRAWN):
        raise InvalidTransition(_("This request has already ended."))
    for match in _matches(session, intake, MatchState.OFFERED):
        offers.withdraw(session, match, actor=actor, reason="intake_closed")
    for match in _matches(session, intake, MatchState.ACTIVE):
        relationships.close_relationship(session, match, actor=actor, reason=reason)
    intake = offers.lock(session, Intake, intake.id)
    if intake.state != IntakeState.CLOSED:
        transition(session, intake, IntakeState.CLOSED, actor=actor, reason=reason)
    intake.closed_at, intake.close_reason = intake.closed_at or utcnow(), reason
