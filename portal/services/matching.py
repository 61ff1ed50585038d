"""Suggestions against the database: asked for, computed against the pool, stored.

The engine (``portal.matching``) is pure; its records come from ``engine_records`` and its
pool from ``volunteer_pool``, and results are written in the caller's transaction. The
worker jobs and the coordinator's views call these same functions.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.matching.records import Weights
from portal.models import Intake, IntakeState, Suggestion, utcnow
from portal.services import matching_words, notifications, outbox, settings
from portal.services.engine_records import participant_records
from portal.services.volunteer_pool import volunteer_pool

SUGGESTIONS_PER_INTAKE = 5


def current_weights(session: Session) -> Weights:
    return Weights.from_mapping(settings.get(session, "matching_weights"))


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
