"""The coordinator's triage: today's queues, one request's record, and the actions on it.

Queues are plain queries returning small dataclasses. Opening a record writes its audit event
before anything is read, and revealing a sensitive field writes one event per field (its name,
never its value): if the audit write fails, nothing is shown (fail closed).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal import vocab
from portal.matching import EXCLUSIONS, Reason, VolunteerRecord, exclusions
from portal.models import (
    AuditEvent,
    CheckIn,
    ConflictKind,
    Intake,
    IntakeState,
    Match,
    MatchState,
    OnboardingState,
    OutboxJob,
    OutboxState,
    Suggestion,
    VolunteerProfile,
    utcnow,
)
from portal.security import audit
from portal.services import matching, matching_words, offers, relationships
from portal.services.errors import Conflict, DomainError, InvalidTransition, NotFound
from portal.services.offers import CHANGE_REQUESTED
from portal.services.relationships import SAFETY_CONCERN
from portal.services.states import transition

QUEUE_STATES = (IntakeState.WAITING, IntakeState.OFFERED, IntakeState.MATCHED, IntakeState.PAUSED)
STATE_LABELS = {
    IntakeState.WAITING: _l("Waiting"),
    IntakeState.OFFERED: _l("Offer out"),
    IntakeState.MATCHED: _l("Matched"),
    IntakeState.PAUSED: _l("Paused"),
    IntakeState.CLOSED: _l("Closed"),
    IntakeState.WITHDRAWN: _l("Withdrawn"),
}
# How an offer or relationship ended, as the coordinator reads it in lists and history.
OUTCOME_LABELS = {
    MatchState.OFFERED: _l("Offer waiting for an answer"),
    MatchState.ACTIVE: _l("Matched"),
    MatchState.DECLINED: _l("Declined"),
    MatchState.EXPIRED: _l("Expired without an answer"),
    MatchState.WITHDRAWN: _l("Offer withdrawn"),
    MatchState.CLOSED: _l("Closed"),
}
# Outcomes after which the request is back in the queue and the coordinator picks the next.
NEEDS_NEXT_STEP = (MatchState.DECLINED, MatchState.EXPIRED, MatchState.WITHDRAWN)
CLOSE_REASONS = (
    ("completed", _l("Completed: the support has run its course")),
    ("withdrawn", _l("Withdrawn: the person has stepped away")),
    ("referred_out", _l("Referred out to other help that fits better")),
    ("change_requested", _l("Change requested, and no new peer is wanted now")),
)
CLOSE_LABELS = dict(CLOSE_REASONS)
MANUAL_REASONS = (
    ("participant_asked", _l("The person asked for this volunteer")),
    ("better_fit", _l("A better fit than the suggestions, from what I know")),
    ("sooner", _l("This volunteer can respond sooner")),
    ("no_suggestion", _l("None of the suggestions fits")),
    ("other", _l("Another reason, discussed with the program")),
)
# One reveal shows one group; every field in it gets its own audit event (its name only).
REVEAL_GROUPS = {
    "note": ("note",),
    "contact": ("phone", "contact_times"),
    "conflicts": ("firms", "do_not_match"),
}
LOOKS_SHOWN = 50


def _pick_one() -> DomainError:
    return DomainError(_("Please choose one of the options shown."))


def _alias(intake: Intake | None) -> str:
    return (intake.alias if intake is not None else None) or _("A member")


def _name(profile: VolunteerProfile | None) -> str:
    return (profile.display_name if profile is not None else None) or _("A volunteer")


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
        items.append(QueueItem(intake.id, _alias(intake), intake.state, intake.urgent,
                               intake.priority, started, now - started))
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
    return [OfferItem(match.id, intake.id, _alias(intake), profile.id, _name(profile),
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


def _is_change(match: Match) -> bool:
    return match.state == MatchState.CLOSED and match.close_reason == CHANGE_REQUESTED


def _follow_up(session: Session, intake: Intake, match: Match, now: datetime) -> FollowUp:
    upcoming = next((row for row in suggestion_rows(session, intake) if row.is_next), None)
    return FollowUp(
        intake.id, _alias(intake), match.state, match.close_reason, match.closed_by_role,
        _name(session.get(VolunteerProfile, match.volunteer_id)), match.state_changed_at,
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
            if _is_change(match)]


def _acknowledged(session: Session) -> set[str]:
    """Ids of the check-ins a coordinator has taken on.

    The acknowledgement lives only in the append-only audit log: a check-in row stays
    content-free, and nobody can quietly un-acknowledge a concern.
    """
    return set(session.execute(
        sa.select(AuditEvent.subject_id).where(AuditEvent.action == "acknowledge",
                                               AuditEvent.subject_type == "check_in")
    ).scalars())


def safety_concerns(session: Session) -> list[SafetyItem]:
    """Safety-concern check-ins not yet acknowledged, the longest waiting first."""
    rows = session.execute(
        sa.select(CheckIn, Intake, VolunteerProfile)
        .join(Match, CheckIn.match_id == Match.id)
        .join(Intake, Match.intake_id == Intake.id)
        .join(VolunteerProfile, Match.volunteer_id == VolunteerProfile.id)
        .where(CheckIn.flag == SAFETY_CONCERN).order_by(CheckIn.created_at)
    ).all()
    acknowledged = _acknowledged(session)
    return [SafetyItem(check_in.id, intake.id, _alias(intake), _name(profile),
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
        change_requests=sum(_is_change(match) for _intake, match in back),
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
    if str(check_in.id) in _acknowledged(session):
        return
    audit.record(session, actor=actor, action="acknowledge", subject_type="check_in",
                 subject_id=check_in.id, detail=SAFETY_CONCERN)


# ---------------------------------------------------------------- one request's record

@dataclass(frozen=True)
class Summary:
    """What the coordinator needs to know to match, in words: no contact, note or conflicts."""

    alias: str
    facts: list[tuple[str, str]]          # (label, value)
    concerns: list[str]                   # the main one first
    preferences: list[tuple[str, str]]
    week: list[tuple[str, list[bool]]]   # each day with whether each part of it is free


@dataclass(frozen=True)
class SuggestionRow:
    """One stored suggestion, with why it cannot be offered now (if it cannot)."""

    volunteer_id: uuid.UUID
    name: str
    rank: int
    score: float
    reasons: list[str]
    blocked: str | None
    is_next: bool


@dataclass(frozen=True)
class HistoryRow:
    """One offer or relationship of the request."""

    match_id: uuid.UUID
    volunteer_id: uuid.UUID
    volunteer_name: str
    source: str
    state: MatchState
    offered_at: datetime
    changed_at: datetime
    expires_at: datetime | None
    close_reason: str | None
    closed_by_role: str | None
    check_ins: int
    open_safety: int


@dataclass(frozen=True)
class Look:
    """Someone opened the record or revealed a field: their role, when, and what."""

    role: str | None
    at: datetime
    action: str
    detail: str | None


@dataclass(frozen=True)
class IntakeRecord:
    """Everything the request's page shows, read after the look was recorded."""

    intake: Intake
    summary: Summary
    suggestions: list[SuggestionRow]
    exclusions: list[tuple[str, int]]
    history: list[HistoryRow]
    looks: list[Look]
    recomputing: bool
    now: datetime

    @property
    def ended(self) -> HistoryRow | None:
        """The offer or relationship that just ended, while the request waits for the next."""
        last = self.history[-1] if self.history else None
        waiting = self.intake.state == IntakeState.WAITING
        ended = last is not None and (last.state in NEEDS_NEXT_STEP or (
            last.state == MatchState.CLOSED and last.close_reason == CHANGE_REQUESTED))
        return last if waiting and ended else None

    @property
    def next_suggestion(self) -> SuggestionRow | None:
        return next((row for row in self.suggestions if row.is_next), None)


def get_intake(session: Session, intake_id: uuid.UUID) -> Intake:
    intake = session.get(Intake, intake_id)
    if intake is None:
        raise NotFound(_("We could not find that request."))
    return intake


def record_view(session: Session, intake: Intake, *, actor, detail: str = "page") -> None:
    """Write the audit event of a look at the record (flushed: a failure stops the read)."""
    audit.record(session, actor=actor, action="view", subject_type="intake",
                 subject_id=intake.id, detail=detail)
    session.flush()


def open_record(session: Session, intake: Intake, *, actor, detail: str = "page") -> IntakeRecord:
    """Record the look first, then read the record: if the audit write fails, nothing is read."""
    record_view(session, intake, actor=actor, detail=detail)
    return intake_record(session, intake)


def intake_record(session: Session, intake: Intake, now: datetime | None = None) -> IntakeRecord:
    """The request's page data (call after the look or action that shows it is audited)."""
    counts = intake.exclusion_counts or {}
    return IntakeRecord(
        intake=intake, summary=summary_of(intake), suggestions=suggestion_rows(session, intake),
        exclusions=[(matching_words.label(reason), counts[reason.key]) for reason in EXCLUSIONS
                    if counts.get(reason.key)],
        history=history(session, intake), looks=looks(session, intake),
        recomputing=recomputing(session, intake), now=now or utcnow(),
    )


def _labels(vocabulary, codes) -> str:
    return ", ".join(vocab.label(vocabulary, code) for code in codes or ()) or _("Not given")


def summary_of(intake: Intake) -> Summary:
    """The need-to-know summary in words."""
    def one(vocabulary, code) -> str:
        return _labels(vocabulary, [code] if code else [])

    facts = [
        (_("Member type"), one(vocab.MEMBER_TYPES, intake.member_type)),
        (_("Career stage"), one(vocab.CAREER_BANDS, intake.career_band)),
        (_("Practice area"), one(vocab.PRACTICE_AREAS, intake.practice_area)),
        (_("Region"), one(vocab.REGIONS, intake.region)),
        (_("Languages"), _labels(vocab.LANGUAGES, intake.languages)),
    ]
    concerns = sorted(intake.concerns or (), key=lambda code: code != intake.primary_concern)
    return Summary(_alias(intake), facts, [vocab.label(vocab.CONCERNS, c) for c in concerns],
                   _preferences(intake), _week(intake.availability_mask or 0))


def _week(mask: int) -> list[tuple[str, list[bool]]]:
    """The weekly grid as rows of days, each with its four parts free or not."""
    parts = range(len(vocab.PARTS_OF_DAY))
    return [(str(day_label), [bool(mask >> vocab.cell_index(day, part) & 1) for part in parts])
            for day, (_code, day_label) in enumerate(vocab.DAYS)]


def _preferences(intake: Intake) -> list[tuple[str, str]]:
    """Only the wishes the person expressed; "no preference" is left out."""
    wishes = []
    if intake.gender_pref != "none" and intake.preferred_gender:
        wishes.append((_("Peer's gender"), _strength(
            vocab.GENDER_PREFERENCES, intake.gender_pref, vocab.GENDERS, intake.preferred_gender)))
    if intake.language_pref != "none" and intake.preferred_language:
        wishes.append((_("Language"), _strength(
            vocab.LANGUAGE_PREFERENCES, intake.language_pref, vocab.LANGUAGES,
            intake.preferred_language)))
    if intake.practice_pref != "none":
        wishes.append((_("Practice area"),
                       vocab.label(vocab.PRACTICE_PREFERENCES, intake.practice_pref)))
    if intake.region_pref != "none":
        wishes.append((_("Region"), vocab.label(vocab.REGION_PREFERENCES, intake.region_pref)))
    if intake.career_pref_similar:
        wishes.append((_("Career stage"), _("Someone at a similar stage")))
    return wishes


def _strength(levels, level: str, vocabulary, code: str) -> str:
    """"Required: French"-style words for a wish and how strongly it is held."""
    return f"{vocab.label(levels, level)}: {vocab.label(vocabulary, code)}"


def _already_asked(session: Session, intake: Intake,
                   excluded: frozenset[str]) -> dict[uuid.UUID, str]:
    """Volunteers never to be asked again for this request, with what happened, in words.

    ``excluded`` is the engine's own set (``participant_record``): these words only say
    more about the rule it calls CHANGE_REQUEST.
    """
    asked = {}
    for match in session.execute(
        sa.select(Match).where(Match.intake_id == intake.id).order_by(Match.offered_at)
    ).scalars():
        if str(match.volunteer_id) in excluded:
            asked[match.volunteer_id] = (
                _("A change was requested for this pair before.") if _is_change(match)
                else _("Already asked for this request: %(outcome)s.",
                       outcome=str(OUTCOME_LABELS[match.state]).lower()))
    return asked


def _blocked(profile: VolunteerProfile | None, reasons: dict[str, Reason],
             records: dict[str, VolunteerRecord], asked: dict[uuid.UUID, str]) -> str | None:
    """Why this volunteer cannot be offered the request right now; None if they can."""
    if profile is None:
        return _("This volunteer is no longer in the program.")
    reason = reasons[str(profile.id)]
    if reason is Reason.ELIGIBLE:
        return None
    if reason is Reason.CHANGE_REQUEST and profile.id in asked:
        return asked[profile.id]
    return matching_words.sentence(reason, records[str(profile.id)])


def suggestion_rows(session: Session, intake: Intake) -> list[SuggestionRow]:
    """The stored suggestions in rank order; the first one that can be offered is marked next.

    A suggestion is blocked for the first hard rule the engine finds failing now, the very
    check the offer makes.
    """
    found = session.execute(
        sa.select(Suggestion, VolunteerProfile)
        .outerjoin(VolunteerProfile, Suggestion.volunteer_id == VolunteerProfile.id)
        .where(Suggestion.intake_id == intake.id).order_by(Suggestion.rank)
    ).all()
    participant = matching.participant_record(session, intake)
    records = {record.id: record for record in matching.volunteer_records(
        session, ids=[profile.id for _suggestion, profile in found if profile is not None])}
    reasons = exclusions(participant, list(records.values()))
    asked = _already_asked(session, intake, participant.excluded_volunteer_ids)
    rows, found_next = [], False
    for suggestion, profile in found:
        blocked = _blocked(profile, reasons, records, asked)
        is_next = not found_next and blocked is None and intake.state == IntakeState.WAITING
        found_next = found_next or is_next
        rows.append(SuggestionRow(suggestion.volunteer_id, _name(profile), suggestion.rank,
                                  suggestion.score, list(suggestion.reasons or ()), blocked,
                                  is_next))
    return rows


def history(session: Session, intake: Intake) -> list[HistoryRow]:
    """Every offer and relationship of the request, oldest first, with check-in counts."""
    rows = session.execute(
        sa.select(Match, VolunteerProfile)
        .outerjoin(VolunteerProfile, Match.volunteer_id == VolunteerProfile.id)
        .where(Match.intake_id == intake.id).order_by(Match.offered_at, Match.state_changed_at)
    ).all()
    tallies = dict(session.execute(
        sa.select(CheckIn.match_id, sa.func.count()).join(Match, CheckIn.match_id == Match.id)
        .where(Match.intake_id == intake.id).group_by(CheckIn.match_id)).all())
    open_safety = Counter(concern.match_id for concern in _open_concerns(session, intake))
    return [HistoryRow(match.id, match.volunteer_id, _name(profile), match.source, match.state,
                       match.offered_at, match.state_changed_at, match.expires_at,
                       match.close_reason, match.closed_by_role, tallies.get(match.id, 0),
                       open_safety.get(match.id, 0))
            for match, profile in rows]


def _open_concerns(session: Session, intake: Intake) -> list[CheckIn]:
    flagged = session.execute(
        sa.select(CheckIn).join(Match, CheckIn.match_id == Match.id)
        .where(Match.intake_id == intake.id, CheckIn.flag == SAFETY_CONCERN)
    ).scalars().all()
    acknowledged = _acknowledged(session) if flagged else set()
    return [check_in for check_in in flagged if str(check_in.id) not in acknowledged]


def looks(session: Session, intake: Intake) -> list[Look]:
    """Who opened the record or revealed a field (role and time), newest first."""
    events = session.execute(
        sa.select(AuditEvent).where(AuditEvent.subject_type == "intake",
                                    AuditEvent.subject_id == str(intake.id),
                                    AuditEvent.action.in_(("view", "reveal")))
        .order_by(AuditEvent.id.desc()).limit(LOOKS_SHOWN)
    ).scalars()
    return [Look(event.actor_role, event.ts, event.action, event.detail) for event in events]


def recomputing(session: Session, intake: Intake) -> bool:
    """A suggestion job for this request is queued or running."""
    return session.execute(
        sa.select(OutboxJob.id).where(
            OutboxJob.kind == "suggest_for_intake", OutboxJob.ref == str(intake.id),
            OutboxJob.state.in_((OutboxState.PENDING, OutboxState.DISPATCHED))).limit(1)
    ).first() is not None


# ---------------------------------------------------------------- revealing

@dataclass(frozen=True)
class Revealed:
    """The sensitive fields of one group, read after their audit events were written."""

    group: str
    note: str | None = None
    phone: str | None = None
    voicemail_ok: bool = False
    contact_times: str | None = None
    firms: tuple[str, ...] = ()
    do_not_match: tuple[str, ...] = ()


def _names(intake: Intake, kind: ConflictKind) -> tuple[str, ...]:
    return tuple(entry.value for entry in intake.conflicts if entry.kind == kind)


def reveal(session: Session, intake: Intake, group: str, *, actor) -> Revealed:
    """Record who revealed which fields (names only, never values), then read them."""
    if group not in REVEAL_GROUPS:
        raise _pick_one()
    for field in REVEAL_GROUPS[group]:
        audit.record(session, actor=actor, action="reveal", subject_type="intake",
                     subject_id=intake.id, detail=field)
    session.flush()
    if group == "note":
        return Revealed(group, note=intake.note)
    if group == "contact":
        return Revealed(group, phone=intake.phone, voicemail_ok=intake.voicemail_ok,
                        contact_times=intake.contact_times)
    return Revealed(group, firms=_names(intake, ConflictKind.FIRM),
                    do_not_match=_names(intake, ConflictKind.PERSON))


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
    reasons = exclusions(matching.participant_record(session, intake),
                         matching.volunteer_pool(session))
    profiles = session.execute(
        sa.select(VolunteerProfile).where(VolunteerProfile.state == OnboardingState.ACTIVE)
    ).scalars()
    eligible = [p for p in profiles if reasons.get(str(p.id)) is Reason.ELIGIBLE]
    return sorted(eligible, key=lambda p: (_name(p).lower(), str(p.id)))


def manual_match(session: Session, intake: Intake, volunteer_id: uuid.UUID, *, reason: str,
                 actor) -> Match:
    """Offer the request to a volunteer the coordinator chose, for a recorded reason."""
    if reason not in dict(MANUAL_REASONS):
        raise _pick_one()
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


def pause_intake(session: Session, intake: Intake, *, actor) -> None:
    """Stop looking for a peer for now; an unanswered offer is taken back."""
    if intake.state not in (IntakeState.WAITING, IntakeState.OFFERED):
        raise InvalidTransition(_("Only a request that is waiting or has an offer out can be "
                                  "paused."))
    for match in _matches(session, intake, MatchState.OFFERED):
        offers.withdraw(session, match, actor=actor, reason="intake_paused")
    intake = offers.lock(session, Intake, intake.id)
    transition(session, intake, IntakeState.PAUSED, actor=actor, reason="coordinator")


def resume_intake(session: Session, intake: Intake, *, actor) -> None:
    """Start looking again; suggestions are worked out afresh."""
    intake = offers.lock(session, Intake, intake.id)
    if intake.state != IntakeState.PAUSED:
        raise InvalidTransition(_("This request is not paused."))
    transition(session, intake, IntakeState.WAITING, actor=actor, reason="coordinator")
    intake.waiting_since = utcnow()
    matching.ask_for_suggestions(session, intake)


def close_intake(session: Session, intake: Intake, *, reason: str, actor) -> None:
    """End the request for ``reason``: an open offer is withdrawn, a relationship closed."""
    if reason not in CLOSE_LABELS:
        raise _pick_one()
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
