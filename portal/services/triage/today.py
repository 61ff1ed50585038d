"""Today's work: the queues, open offers, next steps, change requests and safety flags."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.models import (
    CheckIn,
    Intake,
    IntakeState,
    Match,
    MatchState,
    VolunteerProfile,
    utcnow,
)
from portal.security import audit
from portal.services import address_checks, offers
from portal.services.errors import DomainError, NotFound
from portal.services.relationships import SAFETY_CONCERN
from portal.services.triage.labels import (
    NEEDS_NEXT_STEP,
    QUEUE_STATES,
    acknowledged_check_ins,
    alias_of,
    is_change_request,
    name_of,
)
from portal.services.triage.record import suggestion_rows

# ---------------------------------------------------------------- today's queues

@dataclass(frozen=True)
class QueueItem:
    """One request in the queue, with how long it has been in its state."""

    intake_id: uuid.UUID
    alias: str
    state: IntakeState
    urgent: bool
    priority: bool
    since: datetime
    waited: timedelta
    unconfirmed: bool = False   # sent by someone whose address is not proven yet

    @property
    def pinned(self) -> bool:
        return self.urgent or self.priority


@dataclass(frozen=True)
class OfferItem:
    """An offer waiting for the volunteer's answer."""

    match_id: uuid.UUID
    intake_id: uuid.UUID
    alias: str
    volunteer_id: uuid.UUID
    volunteer_name: str
    urgent: bool
    expires_at: datetime | None
    time_left: timedelta | None

    @property
    def overdue(self) -> bool:
        return self.time_left is not None and self.time_left <= timedelta(0)


@dataclass(frozen=True)
class FollowUp:
    """A request back in the queue after an offer or a relationship ended."""

    intake_id: uuid.UUID
    alias: str
    outcome: MatchState
    close_reason: str | None
    asked_by: str | None          # who asked for the change: participant | volunteer | staff
    volunteer_name: str
    ended_at: datetime
    urgent: bool
    priority: bool
    waited: timedelta
    next_name: str | None         # the best suggestion not yet tried, if any


@dataclass(frozen=True)
class SafetyItem:
    """A safety-concern check-in nobody has acknowledged yet."""

    check_in_id: uuid.UUID
    intake_id: uuid.UUID
    alias: str
    volunteer_name: str
    occurred_on: datetime
    logged_at: datetime


@dataclass(frozen=True)
class Glance:
    """The counts at the top of Today."""

    by_state: dict[IntakeState, int]
    urgent_waiting: int
    offers: int
    next_steps: int
    change_requests: int
    safety: int


def queue(session: Session, state: IntakeState = IntakeState.WAITING,
          now: datetime | None = None) -> list[QueueItem]:
    """Requests in ``state``: urgent first, then priority (after a change), then longest waiting."""
    now = now or utcnow()
    since = Intake.waiting_since if state == IntakeState.WAITING else Intake.state_changed_at
    intakes = session.execute(
        sa.select(Intake).where(Intake.state == state, Intake.erased_at.is_(None))
        .order_by(Intake.urgent.desc(), Intake.priority.desc(), since, Intake.id)
    ).scalars()
    items = []
    for intake in intakes:
        started = intake.waiting_since if state == IntakeState.WAITING else intake.state_changed_at
        items.append(QueueItem(intake.id, alias_of(intake), intake.state, intake.urgent,
                               intake.priority, started, now - started,
                               address_checks.is_waiting(intake)))
    return items


def open_offers(session: Session, now: datetime | None = None) -> list[OfferItem]:
    """Offers waiting for an answer, the one running out soonest first."""
    now = now or utcnow()
    rows = session.execute(
        sa.select(Match, Intake, VolunteerProfile)
        .join(Intake, Match.intake_id == Intake.id)
        .join(VolunteerProfile, Match.volunteer_id == VolunteerProfile.id)
        .where(Match.state == MatchState.OFFERED)
        .order_by(Match.expires_at, Match.offered_at)
    ).all()
    return [OfferItem(match.id, intake.id, alias_of(intake), profile.id, name_of(profile),
                      intake.urgent, match.expires_at,
                      match.expires_at - now if match.expires_at else None)
            for match, intake, profile in rows]


def _latest_matches(session: Session, intake_ids: list[uuid.UUID]) -> dict[uuid.UUID, Match]:
    """The most recent offer or relationship of each intake."""
    latest: dict[uuid.UUID, Match] = {}
    if not intake_ids:
        return latest
    for match in session.execute(
        sa.select(Match).where(Match.intake_id.in_(intake_ids))
        .order_by(Match.offered_at, Match.state_changed_at)
    ).scalars():
        latest[match.intake_id] = match
    return latest


def _back_in_queue(session: Session) -> list[tuple[Intake, Match]]:
    """Waiting requests that had an offer or a peer before, with that latest match."""
    intakes = session.execute(
        sa.select(Intake).where(Intake.state == IntakeState.WAITING, Intake.erased_at.is_(None))
        .order_by(Intake.urgent.desc(), Intake.priority.desc(), Intake.waiting_since)
    ).scalars().all()
    latest = _latest_matches(session, [intake.id for intake in intakes])
    return [(intake, latest[intake.id]) for intake in intakes if intake.id in latest]


def _follow_up(session: Session, intake: Intake, match: Match, now: datetime) -> FollowUp:
    upcoming = next((row for row in suggestion_rows(session, intake) if row.is_next), None)
    return FollowUp(
        intake.id, alias_of(intake), match.state, match.close_reason, match.closed_by_role,
        name_of(session.get(VolunteerProfile, match.volunteer_id)), match.state_changed_at,
        intake.urgent, intake.priority, now - intake.waiting_since,
        upcoming.name if upcoming else None,
    )


def next_steps(session: Session, now: datetime | None = None) -> list[FollowUp]:
    """Requests whose last offer was declined, expired or withdrawn: someone must pick the next."""
    now = now or utcnow()
    return [_follow_up(session, intake, match, now) for intake, match in _back_in_queue(session)
            if match.state in NEEDS_NEXT_STEP]


def change_requests(session: Session, now: datetime | None = None) -> list[FollowUp]:
    """Requests back at the front of the queue because someone asked for a change."""
    now = now or utcnow()
    return [_follow_up(session, intake, match, now) for intake, match in _back_in_queue(session)
            if is_change_request(match)]




def safety_concerns(session: Session) -> list[SafetyItem]:
    """Safety-concern check-ins not yet acknowledged, the longest waiting first."""
    rows = session.execute(
        sa.select(CheckIn, Intake, VolunteerProfile)
        .join(Match, CheckIn.match_id == Match.id)
        .join(Intake, Match.intake_id == Intake.id)
        .join(VolunteerProfile, Match.volunteer_id == VolunteerProfile.id)
        .where(CheckIn.flag == SAFETY_CONCERN).order_by(CheckIn.created_at)
    ).all()
    acknowledged = acknowledged_check_ins(session)
    return [SafetyItem(check_in.id, intake.id, alias_of(intake), name_of(profile),
                       check_in.occurred_on, check_in.created_at)
            for check_in, intake, profile in rows if str(check_in.id) not in acknowledged]


def glance(session: Session) -> Glance:
    """How many requests are in each state, and how many items wait in each list."""
    by_state = dict.fromkeys(QUEUE_STATES, 0)
    by_state.update(session.execute(
        sa.select(Intake.state, sa.func.count()).where(Intake.state.in_(QUEUE_STATES),
                                                       Intake.erased_at.is_(None))
        .group_by(Intake.state)
    ).all())
    back = _back_in_queue(session)
    return Glance(
        by_state=by_state,
        urgent_waiting=_count(session, sa.select(Intake.id).where(
            Intake.state == IntakeState.WAITING, Intake.urgent, Intake.erased_at.is_(None))),
        offers=_count(session, sa.select(Match.id).where(Match.state == MatchState.OFFERED)),
        next_steps=sum(match.state in NEEDS_NEXT_STEP for _intake, match in back),
        change_requests=sum(is_change_request(match) for _intake, match in back),
        safety=len(safety_concerns(session)),
    )


def _count(session: Session, query) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()


def get_check_in(session: Session, check_in_id: uuid.UUID) -> CheckIn:
    check_in = session.get(CheckIn, check_in_id)
    if check_in is None:
        raise NotFound(_("We could not find that check-in."))
    return check_in


def acknowledge_check_in(session: Session, check_in: CheckIn, *, actor) -> None:
    """A coordinator has seen a safety concern and taken it on (twice is harmless)."""
    # The row lock makes a colleague acknowledging at the same moment wait, then see ours.
    check_in = offers.lock(session, CheckIn, check_in.id)
    if check_in.flag != SAFETY_CONCERN:
        raise DomainError(_("Only safety concerns need acknowledging."))
    if str(check_in.id) in acknowledged_check_ins(session):
        return
    audit.record(session, actor=actor, action="acknowledge", subject_type="check_in",
                 subject_id=check_in.id, detail=SAFETY_CONCERN)
