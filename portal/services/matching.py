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
from collections.abc import Iterable, Sequence
from datetime import date
from types import SimpleNamespace
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import vocab
from portal.matching.records import ParticipantRecord, VolunteerRecord, Weights
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
from portal.security import crypto
from portal.services import (
    approvals,
    matching_words,
    notifications,
    outbox,
    pool_version,
    program_lists,
    settings,
    volunteers,
)
from portal.services.pool_version import LOAD_STATES, VOLUNTEER_COLUMNS

if TYPE_CHECKING:
    from portal.matching.encoding import EncodedVolunteers

log = logging.getLogger("portal.matching")

SUGGESTIONS_PER_INTAKE = 5


def current_weights(session: Session) -> Weights:
    return Weights.from_mapping(settings.get(session, "matching_weights"))


def _hashes_by_owner(session: Session, column, owners) -> dict[uuid.UUID, set[str]]:
    owned: dict[uuid.UUID, set[str]] = defaultdict(set)
    if crypto.keyring().previous_index_keys:  # BLIND_INDEX_KEY is changing: see _every_key
        for owner, entry in session.execute(
                sa.select(column, ConflictEntry).where(column.in_(owners))):
            owned[owner].update(_every_key(entry))
        return owned
    for owner, value_index in session.execute(
        sa.select(column, ConflictEntry.value_index).where(column.in_(owners))
    ):
        owned[owner].add(value_index)
    return owned


def _volunteer_select(ids: Iterable[uuid.UUID] | None, display_name=None) -> sa.Select:
    """Every volunteer not retired, or those of ``ids``: columns, load and conflict hashes.

    One query: the load and the hashes (hex digests, joined by spaces) come grouped.
    ``display_name`` replaces the display name's column (the pool needs only its length).
    """
    v, c = VolunteerProfile, ConflictEntry
    which = v.state != OnboardingState.RETIRED if ids is None else v.id.in_(list(ids))
    load = (sa.select(Match.volunteer_id, sa.func.count().label("n"))
            .where(Match.state.in_(LOAD_STATES)).group_by(Match.volunteer_id).subquery())
    hashes = (sa.select(c.volunteer_id, sa.func.aggregate_strings(c.value_index, " ").label("all"))
              .where(c.volunteer_id.is_not(None)).group_by(c.volunteer_id).subquery())
    columns = [column if display_name is None or column is not v.display_name_ct
               else display_name.label("display_name_ct") for column in VOLUNTEER_COLUMNS]
    return (sa.select(*columns, sa.func.coalesce(load.c.n, 0).label("load"),
                      hashes.c.all.label("hashes"))
            .outerjoin(load, load.c.volunteer_id == v.id)
            .outerjoin(hashes, hashes.c.volunteer_id == v.id)
            .where(which).order_by(v.id))


def _volunteer_rows(session: Session, ids: Iterable[uuid.UUID] | None) -> list:
    """The rows of ``_volunteer_select``, as the ORM reads them."""
    program_lists.published(session)  # the engine encodes these codes as the lists stand now
    return session.execute(_volunteer_select(ids)).all()


_NO_HASHES: frozenset[str] = frozenset()


def _volunteer_hashes(session: Session, texts, ids) -> list[frozenset[str]]:
    """Each volunteer's conflict hashes from their joined ``texts``; while BLIND_INDEX_KEY
    changes, under every key (``ids()``: the volunteers' ids, read only then)."""
    if not crypto.keyring().previous_index_keys:
        return [frozenset(text.split(" ")) if text else _NO_HASHES for text in texts]
    owners = list(ids())
    owned = _hashes_by_owner(session, ConflictEntry.volunteer_id, owners)
    return [frozenset(owned.get(owner, ())) for owner in owners]


def _every_key(entry: ConflictEntry) -> set[str]:
    """While BLIND_INDEX_KEY changes, stored indexes are of the old key or the new one until
    `flask crypto reindex` has run: compare under every key, so no conflict slips through."""
    value = entry.value
    return {entry.value_index, *(crypto.blind_indexes(value, "name") if value else ())}


def volunteer_records(session: Session, today: date | None = None,
                      ids: Iterable[uuid.UUID] | None = None) -> list[VolunteerRecord]:
    """Volunteers as the engine sees them: every one not retired, or exactly those of ``ids``."""
    today = today or volunteers.program_today(session)
    rows = _volunteer_rows(session, ids)
    return [_volunteer_record(row, today, hashes)
            for row, hashes in zip(rows, _volunteer_hashes(
                session, [row.hashes for row in rows], lambda: [row.id for row in rows]),
                strict=True)]


def volunteer_record(session: Session, profile: VolunteerProfile,
                     today: date | None = None) -> VolunteerRecord:
    """One volunteer as the engine sees them now, whatever their state."""
    return volunteer_records(session, today, ids=[profile.id])[0]


def _is_away(row, today: date) -> bool:
    return VolunteerProfile.is_away_on(row, today)  # the model's rule, on the row's columns


def _is_lapsed(row, today: date) -> bool:
    return approvals.has_lapsed(row.approved_until, today)


def _volunteer_record(row, today: date, hashes: frozenset[str]) -> VolunteerRecord:
    return VolunteerRecord(
        id=str(row.id), experience=vocab.codes_in(vocab.CONCERNS, row.experience_mask),
        boundaries=vocab.codes_in(vocab.CONCERNS, row.boundaries_mask),
        career_band=row.career_band, practice_area=row.practice_area, region=row.region,
        languages=vocab.codes_in(vocab.LANGUAGES, row.languages_mask), gender=row.gender,
        availability_mask=row.availability_mask, capacity=row.capacity, active_load=row.load,
        is_active_trained=row.state == OnboardingState.ACTIVE,
        is_complete=volunteers.is_complete(row), is_paused=row.paused,
        is_away=_is_away(row, today), is_lapsed=_is_lapsed(row, today),
        approved_until=row.approved_until, conflict_hashes=hashes,
    )


def raw_rows(session: Session, select: sa.Select) -> list:
    """The rows of ``select`` as the driver returns them: no conversion of any value.

    For the few queries that read thousands of rows per job (the pool, stored suggestions);
    ``uuid_text`` turns the driver's UUIDs into the ORM's text.
    """
    conn = session.connection()
    sql = select.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    return conn.exec_driver_sql(str(sql)).all()


def _raw_pool_rows(session: Session) -> SimpleNamespace:
    """``_volunteer_rows`` for the whole pool as the driver returns it, one tuple per column.

    The slow part of a cold pool was SQLAlchemy building 10,000 rows and converting each
    value (UUIDs, enums, dates, ciphertexts); here the driver's own tuples are transposed,
    and the display name comes as its length (``is_complete`` asks only whether it is given).
    """
    rows = raw_rows(session, _volunteer_select(
        None, sa.func.length(VolunteerProfile.display_name_ct)))
    names = [column.key for column in VOLUNTEER_COLUMNS] + ["load", "hashes"]
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return SimpleNamespace(**dict(zip(names, columns, strict=True)))


def uuid_text(value) -> str:
    """A UUID as the ORM shows it, from the driver's value (PostgreSQL: a UUID; SQLite: hex)."""
    if isinstance(value, str) and len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(uuid.UUID(str(value)))


def encoded_volunteers(session: Session, today: date | None = None) -> EncodedVolunteers:
    """Every volunteer not retired, encoded straight from the raw columns (no records built)."""
    from portal.matching import encoding  # the engine: workers only

    today = today or volunteers.program_today(session)
    raw = _raw_pool_rows(session)
    ids = [uuid_text(value) for value in raw.id]
    hashes = _volunteer_hashes(session, raw.hashes, lambda: map(uuid.UUID, ids))
    return encoding.encode_volunteer_columns(
        ids, hashes,
        experience=raw.experience_mask, boundaries=raw.boundaries_mask,
        career_band=raw.career_band, practice_area=raw.practice_area, region=raw.region,
        languages=raw.languages_mask, gender=raw.gender, availability=raw.availability_mask,
        capacity=raw.capacity, active_load=raw.load,
        is_active_trained=encoding.equals(raw.state, OnboardingState.ACTIVE.value),
        is_complete=encoding.all_given(*(getattr(raw, name) for name in
                                         volunteers.REQUIRED_ANSWERS)),
        is_paused=encoding.all_given(raw.paused),
        is_away=encoding.away_on(raw.away_from, raw.away_until, today),
        is_lapsed=encoding.lapsed_by(raw.approved_until, today),
    )


_pool_lock = threading.Lock()
_pool_cache: dict = {"key": None, "pool": None}


def volunteer_pool(session: Session, today: date | None = None):
    """The encoded volunteer pool, rebuilt only when volunteers, conflicts or loads changed.

    Loading and encoding 10,000 volunteers is the slow part of a job; checking that nothing
    changed reads one counter (``services/pool_version``, bumped with every such change; the
    day matters too, for who is away), so a process keeps the last pool between jobs (the forking
    worker builds it in its parent before each fork: see ``workers.run``).
    """
    today = today or volunteers.program_today(session)
    lists = program_lists.published(session)  # a list edit re-encodes the pool too
    key = (today, pool_version.current(session), lists)
    with _pool_lock:
        if _pool_cache["key"] == key:
            return _pool_cache["pool"]
    started = time.perf_counter()
    pool = encoded_volunteers(session, today)
    pool.hash_incidence  # noqa: B018 - built once here, then shared by every job
    log.info("volunteer pool rebuilt: %d volunteers in %.0f ms", len(pool),
             (time.perf_counter() - started) * 1000)
    with _pool_lock:
        _pool_cache.update(key=key, pool=pool)
    return pool


def participant_records(session: Session, intakes: Sequence[Intake]) -> list[ParticipantRecord]:
    """The intakes as the engine sees them (codes, hashes, pairs never again): two queries."""
    ids = [intake.id for intake in intakes]
    program_lists.published(session)  # the engine encodes these codes as the lists stand now
    # Never again: a pair closed by a change request (DESIGN's hard rule), and a volunteer who
    # already said no to, or let expire, an offer of this request (they may say no, once is enough).
    excluded: dict[uuid.UUID, set[str]] = defaultdict(set)
    for intake_id, volunteer_id in session.execute(
        sa.select(Match.intake_id, Match.volunteer_id).where(
            Match.intake_id.in_(ids),
            (Match.close_reason == "change_requested")
            | Match.state.in_((MatchState.DECLINED, MatchState.EXPIRED)))
    ):
        excluded[intake_id].add(str(volunteer_id))
    hashes = _hashes_by_owner(session, ConflictEntry.intake_id, ids)
    return [_participant_record(i, hashes.get(i.id, ()), excluded.get(i.id, ())) for i in intakes]


def participant_record(session: Session, intake: Intake) -> ParticipantRecord:
    """One intake as the engine sees it."""
    return participant_records(session, [intake])[0]


def _participant_record(intake: Intake, hashes, excluded) -> ParticipantRecord:
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
        conflict_hashes=frozenset(hashes), excluded_volunteer_ids=frozenset(excluded),
    )


def store_suggestions(session: Session, intake: Intake, result) -> list[Suggestion]:
    """Replace the intake's suggestions with ``result`` (one transaction: never half-written)."""
    return _store(session, [(intake, result)])


def _store(session: Session, results) -> list[Suggestion]:
    """Replace the suggestions of each (intake, result): one delete, one batch of inserts."""
    session.execute(sa.delete(Suggestion).where(
        Suggestion.intake_id.in_([intake.id for intake, _result in results])))
    now = utcnow()
    stored = [
        Suggestion(intake_id=intake.id, volunteer_id=uuid.UUID(item.volunteer_id), rank=rank,
                   score=item.score, breakdown=item.breakdown,
                   reasons=matching_words.reasons(item.reasons, session), computed_at=now)
        for intake, result in results
        for rank, item in enumerate(result.items, start=1)
    ]
    session.add_all(stored)
    for intake, result in results:
        intake.exclusion_counts = dict(result.exclusion_counts)
        intake.suggestions_computed_at = now
    session.flush()
    return stored


def ask_for_suggestions(session: Session, intake: Intake) -> None:
    """Queue fresh suggestions for ``intake``; asks made before the job runs fold into one."""
    outbox.enqueue(session, "suggest_for_intake", intake.id,
                   dedupe_key=f"suggest_for_intake:{intake.id}")


def _suggest_and_store(session: Session, intakes: Sequence[Intake]) -> list[Suggestion]:
    """Score the intakes in one pass against the pool and store them (``store_results``)."""
    from portal.matching.engine import suggest_many

    pool = volunteer_pool(session)
    results = suggest_many(participant_records(session, intakes), pool, current_weights(session),
                           k=SUGGESTIONS_PER_INTAKE)
    return store_results(session, list(zip(intakes, results, strict=True)))


def store_results(session: Session, results) -> list[Suggestion]:
    """Replace each (intake, result)'s suggestions, and tell staff what is new.

    One notice per event: staff hear "suggestions ready" for a new routine request only.
    An urgent request was announced at once, and a request back in the queue (a change
    request, a decline, an expiry) was announced by that event.
    """
    first_time = [intake for intake, _result in results
                  if intake.suggestions_computed_at is None
                  or intake.suggestions_computed_at < intake.waiting_since]
    stored = _store(session, results)
    for intake in first_time:
        if not notifications.staff_told_since(session, "intake", intake.id, intake.waiting_since):
            notifications.notify_staff(session, "suggestions_ready", subject_type="intake",
                                       subject_id=intake.id)
    return stored


def suggest_for_intake(session: Session, intake_id) -> list[Suggestion] | None:
    """Store the top suggestions for one waiting intake; None if it no longer waits."""
    intake = session.get(Intake, uuid.UUID(str(intake_id)))
    if intake is None or intake.state != IntakeState.WAITING or intake.erased_at is not None:
        return None
    return _suggest_and_store(session, [intake])


RECOMPUTE_CHUNK = 250  # intakes per job: a new request's suggestions wait at most one chunk


def waiting_intakes() -> sa.Select:
    """Every waiting intake not erased, by id (the order recomputations go through them)."""
    return (sa.select(Intake).where(Intake.state == IntakeState.WAITING, Intake.erased_at.is_(None))
            .order_by(Intake.id))


def recompute_waiting(session: Session, after: str | None = None) -> int:
    """Fresh suggestions for the next chunk of waiting intakes (by id, after ``after``).

    Each chunk is scored in one vectorised pass and stored in this job's transaction; the
    rest is queued as a new job behind whatever arrived meanwhile, so a new request's own
    suggestions never wait for the whole queue. Returns how many intakes this job did.
    """
    query = waiting_intakes().limit(RECOMPUTE_CHUNK + 1)
    if after:
        query = query.where(Intake.id > uuid.UUID(after))
    intakes = session.execute(query).scalars().all()
    chunk = intakes[:RECOMPUTE_CHUNK]
    if chunk:
        _suggest_and_store(session, chunk)
    if len(intakes) > RECOMPUTE_CHUNK:
        outbox.enqueue(session, "recompute_waiting", str(chunk[-1].id))
    return len(chunk)
