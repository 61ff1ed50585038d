"""Following a request: where it stands in the participant's terms, and its matches."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Intake, IntakeState, Match, MatchState, User, VolunteerProfile
from portal.services.intake import ENDED_STATES


def latest_intake_of(session: Session, user: User) -> Intake | None:
    """The person's most recent request, open or ended."""
    return session.execute(
        sa.select(Intake).where(Intake.participant_id == user.id, Intake.erased_at.is_(None))
        .order_by(Intake.submitted_at.desc())
    ).scalars().first()


@dataclass(frozen=True)
class Progress:
    """Where a request stands, in the participant's terms (never scores or staff notes)."""

    stage: str                     # received | finding | introduced | paused | closed
    match: Match | None = None
    peer_name: str | None = None


def matches_of(session: Session, intake: Intake, *states: MatchState) -> list[Match]:
    return list(session.execute(
        sa.select(Match).where(Match.intake_id == intake.id, Match.state.in_(states))
        .order_by(Match.offered_at)
    ).scalars())


def active_match(session: Session, intake: Intake) -> Match | None:
    found = matches_of(session, intake, MatchState.ACTIVE)
    return found[-1] if found else None


def peer_first_name(session: Session, match: Match) -> str | None:
    profile = session.get(VolunteerProfile, match.volunteer_id)
    name = (profile.display_name or "").split() if profile is not None else []
    return name[0] if name else None


def progress_of(session: Session, intake: Intake) -> Progress:
    """The stage shown on the participant's home page."""
    if intake.state in ENDED_STATES:
        return Progress("closed")
    if intake.state is IntakeState.PAUSED:
        return Progress("paused")
    if intake.state is IntakeState.MATCHED:
        match = active_match(session, intake)
        return Progress("introduced", match, peer_first_name(session, match) if match else None)
    has_history = session.execute(
        sa.select(sa.func.count()).select_from(Match).where(Match.intake_id == intake.id)
    ).scalar_one()
    started = intake.state is IntakeState.OFFERED or intake.suggestions_computed_at or has_history
    return Progress("finding" if started else "received")
