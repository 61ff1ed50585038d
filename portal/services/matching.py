"""Matching against the database: build engine records, store suggestions, run plans.

The engine (``portal.matching``) is pure; this module loads only what it needs with plain
column queries (no decryption: conflicts are compared through their blind indexes), and
writes results in the caller's transaction. The worker jobs and the coordinator's views
call these same functions.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.matching.engine import as_volunteers, suggest
from portal.matching.records import ParticipantRecord, VolunteerRecord, Weights
from portal.matching.scoring import Scorer
from portal.models import (
    ConflictEntry,
    Intake,
    IntakeState,
    Match,
    MatchState,
    OnboardingState,
    Suggestion,
    VolunteerProfile,
    utcnow,
)
from portal.services import matching_words, notifications, outbox, settings, volunteers

log = logging.getLogger("portal.matching")

SUGGESTIONS_PER_INTAKE = 5
LOAD_STATES = (MatchState.OFFERED, MatchState.ACTIVE)


def current_weights(session: Session) -> Weights:
    return Weights.from_mapping(settings.get(session, "matching_weights"))


def _hashes_by_owner(session: Session, column, owners) -> dict[uuid.UUID, set[str]]:
    owned: dict[uuid.UUID, set[str]] = defaultdict(set)
    for owner, value_index in session.execute(
        sa.select(column, ConflictEntry.value_index).where(column.in_(owners))
    ):
        owned[owner].add(value_index)
    return owned


def volunteer_records(session: Session, today: date | None = None,
                      ids: Iterable[uuid.UUID] | None = None) -> list[VolunteerRecord]:
    """Volunteers as the engine sees them: every one not retired, or exactly those of ``ids``."""
    today = today or volunteers.program_today(session)
    v = VolunteerProfile
    which = v.state != OnboardingState.RETIRED if ids is None else v.id.in_(list(ids))
    chosen = sa.select(v.id).where(which)
    load = dict(session.execute(
        sa.select(Match.volunteer_id, sa.func.count())
        .where(Match.state.in_(LOAD_STATES), Match.volunteer_id.in_(chosen))
        .group_by(Match.volunteer_id)
    ).all())
    hashes = _hashes_by_owner(session, ConflictEntry.volunteer_id, chosen)
    rows = session.execute(sa.select(
        v.id, v.state, v.display_name_ct, v.experience, v.boundaries, v.career_band,
        v.practice_area, v.region, v.languages, v.gender, v.availability_mask, v.capacity,
        v.paused, v.away_from, v.away_until,
    ).where(which).order_by(v.id))
    return [_volunteer_record(row, load.get(row.id, 0), hashes.get(row.id, ()), today)
            for row in rows]


def volunteer_record(session: Session, profile: VolunteerProfile,
                     today: date | None = None) -> VolunteerRecord:
    """One volunteer as the engine sees them now, whatever their state."""
    return volunteer_records(session, today, ids=[profile.id])[0]


def _volunteer_record(row, load: int, hashes, today: date) -> VolunteerRecord:
    return VolunteerRecord(
        id=str(row.id), experience=tuple(row.experience or ()),
        boundaries=tuple(row.boundaries or ()), career_band=row.career_band,
        practice_area=row.practice_area, region=row.region,
        languages=tuple(row.languages or ()), gender=row.gender,
        availability_mask=row.availability_mask, capacity=row.capacity, active_load=load,
        is_active_trained=row.state == OnboardingState.ACTIVE,
        is_complete=volunteers.is_complete(row), is_paused=row.paused,
        is_away=VolunteerProfile.is_away_on(row, today),  # the model's rule, on the row's columns
        conflict_hashes=frozenset(hashes),
    )


_pool_lock = threading.Lock()
_pool_cache: dict = {"key": None, "pool": None}


def _pool_version(session: Session, today: date) -> tuple:
    """Changes whenever anything the encoded pool depends on changes (one cheap query)."""
    v, c = VolunteerProfile, ConflictEntry
    in_load = Match.state.in_(LOAD_STATES)
    row = session.execute(sa.select(
        sa.select(sa.func.count()).select_from(v).scalar_subquery(),
        sa.select(sa.func.max(v.updated_at)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(c).where(c.volunteer_id.is_not(None)).scalar_subquery(),
        sa.select(sa.func.max(c.created_at)).where(c.volunteer_id.is_not(None)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(Match).where(in_load).scalar_subquery(),
        sa.select(sa.func.max(Match.state_changed_at)).scalar_subquery(),
    )).one()
    return (today, *row)


def volunteer_pool(session: Session, today: date | None = None):
    """The encoded volunteer pool, rebuilt only when volunteers, conflicts or loads changed.

    Loading and encoding 10,000 volunteers is the slow part of a job; checking that nothing
    changed takes one cheap query, so a process keeps the last pool between jobs (the forking
    worker builds it in its parent before each fork: see ``workers.run``).
    """
    today = today or volunteers.program_today(session)
    key = _pool_version(session, today)
    with _pool_lock:
        if _pool_cache["key"] == key:
            return _pool_cache["pool"]
    started = time.perf_counter()
    pool = as_volunteers(volunteer_records(session, today))
    pool.hash_incidence  # noqa: B018 - built once here, then shared by every job
    log.info("volunteer pool rebuilt: %d volunteers in %.0f ms", len(pool),
             (time.perf_counter() - started) * 1000)
    with _pool_lock:
        _pool_cache.update(key=key, pool=pool)
    return pool


def participant_record(session: Session, intake: Intake) -> ParticipantRecord:
    """The intake as the engine sees it: codes, hashes and past change-request pairs."""
    # Never again: a pair closed by a change request (DESIGN's hard rule), and a volunteer who
    # already said no to, or let expire, an offer of this request (they may say no, once is enough).
    changed_away = session.execute(
        sa.select(Match.volunteer_id).where(
            Match.intake_id == intake.id,
            (Match.close_reason == "change_requested")
            | Match.state.in_((MatchState.DECLINED, MatchState.EXPIRED)))
    ).scalars()
    hashes = session.execute(
        sa.select(ConflictEntry.value_index).where(ConflictEntry.intake_id == intake.id)
    ).scalars()
    return ParticipantRecord(
        id=str(intake.id), concerns=tuple(intake.concerns or ()),
        primary_concern=intake.primary_concern, career_band=intake.career_band,
        practice_area=intake.practice_area, region=intake.region,
        languages=tuple(intake.languages or ()), gender=intake.gender,
        gender_pref=intake.gender_pref, preferred_gender=intake.preferred_gender,
        practice_pref=intake.practice_pref, career_pref_similar=intake.career_pref_similar,
        region_pref=intake.region_pref, language_pref=intake.language_pref,
        preferred_language=intake.preferred_language, availability_mask=intake.availability_mask,
        urgent=intake.urgent or intake.priority, waiting_since=intake.waiting_since,
        conflict_hashes=frozenset(hashes), excluded_volunteer_ids=frozenset(str(v) for v in changed_away),
    )


def store_suggestions(session: Session, intake: Intake, result) -> list[Suggestion]:
    """Replace the intake's suggestions with ``result`` (one transaction: never half-written)."""
    session.execute(sa.delete(Suggestion).where(Suggestion.intake_id == intake.id))
    now = utcnow()
    stored = [
        Suggestion(intake_id=intake.id, volunteer_id=uuid.UUID(item.volunteer_id), rank=rank,
                   score=item.score, breakdown=item.breakdown,
                   reasons=matching_words.reasons(item.reasons), computed_at=now)
        for rank, item in enumerate(result.items, start=1)
    ]
    session.add_all(stored)
    intake.exclusion_counts = dict(result.exclusion_counts)
    intake.suggestions_computed_at = now
    session.flush()
    return stored


def ask_for_suggestions(session: Session, intake: Intake) -> None:
    """Queue fresh suggestions for ``intake``; asks made before the job runs fold into one."""
    outbox.enqueue(session, "suggest_for_intake", intake.id,
                   dedupe_key=f"suggest_for_intake:{intake.id}")


def suggest_for_intake(session: Session, intake_id, *, volunteers=None, scorer=None,
                       weights: Weights | None = None) -> list[Suggestion] | None:
    """Store the top suggestions for one waiting intake; None if it no longer waits.

    One notice per event: staff hear "suggestions ready" for a new routine request only.
    An urgent request was announced at once, and a request back in the queue (a change
    request, a decline, an expiry) was announced by that event.
    """
    intake = session.get(Intake, uuid.UUID(str(intake_id)))
    if intake is None or intake.state != IntakeState.WAITING or intake.erased_at is not None:
        return None
    weights = weights or current_weights(session)
    pool = volunteers if volunteers is not None else volunteer_pool(session)
    result = suggest(participant_record(session, intake), pool, weights,
                     k=SUGGESTIONS_PER_INTAKE, scorer=scorer)
    first_time = (intake.suggestions_computed_at is None
                  or intake.suggestions_computed_at < intake.waiting_since)
    stored = store_suggestions(session, intake, result)
    if first_time and not notifications.staff_told_since(session, "intake", intake.id,
                                                         intake.waiting_since):
        notifications.notify_staff(session, "suggestions_ready", subject_type="intake",
                                   subject_id=intake.id)
    return stored


def recompute_waiting(session: Session) -> int:
    """Fresh suggestions for every waiting intake, encoding the volunteers once."""
    weights = current_weights(session)
    pool = volunteer_pool(session)
    scorer = Scorer(pool, weights)
    waiting = session.execute(
        sa.select(Intake.id).where(Intake.state == IntakeState.WAITING, Intake.erased_at.is_(None))
        .order_by(Intake.waiting_since)
    ).scalars().all()
    for intake_id in waiting:
        suggest_for_intake(session, intake_id, volunteers=pool, scorer=scorer, weights=weights)
    return len(waiting)
