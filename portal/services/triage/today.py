"""Today's work: the queues, open offers, next steps, change requests, the counts at the top
and when the clock alone changes them. Flagged check-ins are ``check_ins``; relationships that
never started or went quiet are ``silent``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, load_only

from portal.models import (
    CheckIn,
    Intake,
    IntakeState,
    Match,
    MatchState,
    VolunteerProfile,
    utcnow,
)
from portal.services import address_checks, follow_through, settings
from portal.services.relationships import NEEDS_REFERRAL, SAFETY_CONCERN
from portal.services.triage import labels
from portal.services.triage.check_ins import HANDLED_FLAGS
from portal.services.triage.labels import (
    CHANGE_REQUESTED,
    NEEDS_NEXT_STEP,
    QUEUE_STATES,
    acknowledged_check_ins,
    alias_of,
    name_of,
)
from portal.services.triage.silent import overdue_query, quiet_query
from portal.services.triage.suggestion_rows import suggestion_rows_of


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
class Glance:
    """The counts at the top of Today."""

    by_state: dict[IntakeState, int]
    urgent_waiting: int
    offers: int
    next_steps: int
    change_requests: int
    safety: int
    referrals: int = 0
    overdue_contact: int = 0
    quiet: int = 0


PAGE_SIZE = 50  # requests per page of the queue


@dataclass(frozen=True)
class QueuePage:
    """One page of the requests in a state."""

    items: list[QueueItem]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


# What a queue row reads: its state and times, the alias (encrypted under the id), and
# whether the address is proven (address_checks.is_waiting).
QUEUE_COLUMNS = (Intake.state, Intake.urgent, Intake.priority, Intake.waiting_since,
                 Intake.state_changed_at, Intake.alias_ct, Intake.email_confirmed_at,
                 Intake.claim_nonce)


def _in_queue(state: IntakeState):
    return (Intake.state == state) & Intake.erased_at.is_(None)


def queue(session: Session, state: IntakeState = IntakeState.WAITING, page: int = 1,
          now: datetime | None = None) -> QueuePage:
    """Requests in ``state``: urgent first, then priority (after a change), then longest waiting.

    One page of ``PAGE_SIZE`` at a time: two queries and at most a page of decryptions,
    however long the queue, both read in the queue's own index (``ix_intake_queue``), and
    only the columns a row shows (anything else raises rather than loading row by row).
    """
    now = now or utcnow()
    since = Intake.waiting_since if state == IntakeState.WAITING else Intake.state_changed_at
    total = session.execute(
        sa.select(sa.func.count()).select_from(Intake).where(_in_queue(state))).scalar_one()
    page = min(max(1, page), max(1, -(-total // PAGE_SIZE)))
    intakes = session.execute(
        sa.select(Intake).options(load_only(*QUEUE_COLUMNS, raiseload=True))
        .where(_in_queue(state))
        .order_by(Intake.urgent.desc(), Intake.priority.desc(), since, Intake.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).scalars()
    items = []
    for intake in intakes:
        started = intake.waiting_since if state == IntakeState.WAITING else intake.state_changed_at
        items.append(QueueItem(intake.id, alias_of(intake), intake.state, intake.urgent,
                               intake.priority, started, now - started,
                               address_checks.is_waiting(intake)))
    return QueuePage(items, page, total)


def open_offers(session: Session, now: datetime | None = None) -> list[OfferItem]:
    """Offers waiting for an answer, the one running out soonest first (the first LIST_LIMIT)."""
    now = now or utcnow()
    rows = session.execute(
        sa.select(Match, Intake, VolunteerProfile)
        .join(Intake, Match.intake_id == Intake.id)
        .join(VolunteerProfile, Match.volunteer_id == VolunteerProfile.id)
        .where(Match.state == MatchState.OFFERED)
        .order_by(Match.expires_at, Match.offered_at, Match.id).limit(labels.LIST_LIMIT)
    ).all()
    return [OfferItem(match.id, intake.id, alias_of(intake), profile.id, name_of(profile),
                      intake.urgent, match.expires_at,
                      match.expires_at - now if match.expires_at else None)
            for match, intake, profile in rows]


# Waiting requests that had an offer or a peer before, by what their latest match says.
NEXT_STEP, CHANGE_REQUEST = "next_step", "change_request"


def _latest_match_id():
    """The id of each waiting intake's most recent offer or relationship (correlated)."""
    return (sa.select(Match.id).where(Match.intake_id == Intake.id)
            .order_by(Match.offered_at.desc(), Match.state_changed_at.desc(), Match.id.desc())
            .limit(1).correlate(Intake).scalar_subquery())


def _back_in_queue(which: str):
    """Waiting requests whose latest match needs a next step, or was closed for a change."""
    needs = (Match.state.in_(NEEDS_NEXT_STEP) if which == NEXT_STEP else
             (Match.state == MatchState.CLOSED) & (Match.close_reason == CHANGE_REQUESTED))
    return (sa.select(Intake, Match).join(Match, Match.id == _latest_match_id())
            .where(_in_queue(IntakeState.WAITING), needs))


def _follow_ups(session: Session, which: str, now: datetime) -> list[FollowUp]:
    """The first LIST_LIMIT of one list, with names and next suggestions in a few queries."""
    pairs = session.execute(
        _back_in_queue(which).add_columns(VolunteerProfile)
        .outerjoin(VolunteerProfile, Match.volunteer_id == VolunteerProfile.id)
        .order_by(Intake.urgent.desc(), Intake.priority.desc(), Intake.waiting_since, Intake.id)
        .limit(labels.LIST_LIMIT)
    ).all()
    upcoming = suggestion_rows_of(session, [intake for intake, _match, _profile in pairs])
    items = []
    for intake, match, profile in pairs:
        nxt = next((row for row in upcoming[intake.id] if row.is_next), None)
        items.append(FollowUp(
            intake.id, alias_of(intake), match.state, match.close_reason, match.closed_by_role,
            name_of(profile), match.state_changed_at, intake.urgent, intake.priority,
            now - intake.waiting_since, nxt.name if nxt else None,
        ))
    return items


def next_steps(session: Session, now: datetime | None = None) -> list[FollowUp]:
    """Requests whose last offer was declined, expired or withdrawn: someone must pick the next."""
    return _follow_ups(session, NEXT_STEP, now or utcnow())


def change_requests(session: Session, now: datetime | None = None) -> list[FollowUp]:
    """Requests back at the front of the queue because someone asked for a change."""
    return _follow_ups(session, CHANGE_REQUEST, now or utcnow())



def next_change(session: Session, now: datetime) -> datetime | None:
    """The first moment after ``now`` when the clock alone changes what Today shows: a
    relationship's first contact or quiet spell becoming overdue (its list and count), an
    offer's time running out (its wording). None when nothing waits on the clock."""
    days = settings.get(session, "first_contact_days")["escalate"]
    weeks = settings.get(session, "quiet_weeks")["escalate"]
    activated = session.execute(follow_through.next_overdue(now, days)).scalar()
    quiet = session.execute(follow_through.next_quiet(now, weeks)).scalar()
    expires = session.execute(sa.select(sa.func.min(Match.expires_at)).where(
        Match.state == MatchState.OFFERED, Match.expires_at > now)).scalar()
    moments = [activated and _aware(activated) + timedelta(days=days),
               quiet and _aware(quiet) + timedelta(weeks=weeks), expires and _aware(expires)]
    return min((moment for moment in moments if moment), default=None)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def glance(session: Session, now: datetime | None = None) -> Glance:
    """How many requests are in each state, and how many items wait in each list."""
    now = now or utcnow()
    by_state = dict.fromkeys(QUEUE_STATES, 0)
    by_state.update(session.execute(
        sa.select(Intake.state, sa.func.count()).where(Intake.state.in_(QUEUE_STATES),
                                                       Intake.erased_at.is_(None))
        .group_by(Intake.state)
    ).all())
    acknowledged = acknowledged_check_ins(session)
    flagged = session.execute(sa.select(CheckIn.flag, CheckIn.id)
                              .where(CheckIn.flag.in_(HANDLED_FLAGS))).all()
    unhandled = {flag: sum(1 for got, check_in_id in flagged
                           if got == flag and str(check_in_id) not in acknowledged)
                 for flag in HANDLED_FLAGS}
    urgent, offered, next_count, change_count, overdue, quiet = _counts(
        session,
        sa.select(Intake.id).where(_in_queue(IntakeState.WAITING), Intake.urgent),
        sa.select(Match.id).where(Match.state == MatchState.OFFERED),
        _back_in_queue(NEXT_STEP).with_only_columns(Intake.id),
        _back_in_queue(CHANGE_REQUEST).with_only_columns(Intake.id),
        overdue_query(session, now)[0],
        quiet_query(session, now)[0])
    return Glance(
        by_state=by_state, urgent_waiting=urgent, offers=offered, next_steps=next_count,
        change_requests=change_count, safety=unhandled[SAFETY_CONCERN],
        referrals=unhandled[NEEDS_REFERRAL], overdue_contact=overdue, quiet=quiet,
    )


def _counts(session: Session, *queries) -> tuple[int, ...]:
    """How many rows each query finds, all in one statement."""
    return tuple(session.execute(sa.select(*(
        sa.select(sa.func.count()).select_from(query.subquery()).scalar_subquery()
        for query in queries))).one())
