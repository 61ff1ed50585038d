"""After one volunteer's change, replace only the suggestions that change can alter.

Another volunteer's score for a request does not depend on this one, so a waiting request's
top five can change only where this volunteer is among them or now beats the fifth. The
volunteer is scored against every waiting request in one pass. Where they were among the
five and now score lower or no longer qualify, the sixth best may step up: that request is
scored again in full. Where they enter the five, or stay at the same score or higher, the
request is ranked again among its five and them, provided the other four still score as
stored (another volunteer's change may still wait for its own job: then that request too is
scored in full). Everything else keeps its suggestions;
the counts of volunteers each hard rule excluded are counted again for every request
(without scoring: they change with any volunteer's eligibility).

A job does ``RECOMPUTE_CHUNK`` waiting requests (by id), then queues itself again for the
next behind whatever arrived meanwhile, so a new request's own suggestions wait for one
chunk at most.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.db import raw_rows, uuid_text
from portal.models import Intake, Suggestion
from portal.services import engine_records, matching, outbox, volunteer_pool


def _stored(session: Session, intake_ids, units_per_point: int) -> dict[str, list[tuple[str, int]]]:
    """The intakes' stored suggestions, best first, as (volunteer id, score units), by intake
    id as text (read raw: thousands of UUIDs converted one by one were the slow part)."""
    ranked: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    text = uuid_text
    for intake_id, rank, volunteer_id, score in raw_rows(session, sa.select(
            Suggestion.intake_id, Suggestion.rank, Suggestion.volunteer_id, Suggestion.score)
            .where(Suggestion.intake_id.in_(intake_ids))):
        ranked[text(intake_id)].append((rank, text(volunteer_id), round(score * units_per_point)))
    return {intake: [(vid, units) for _rank, vid, units in sorted(rows)]
            for intake, rows in ranked.items()}


def job_ref(volunteer_id, after=None) -> str:
    """The job's reference: the volunteer, and after a first chunk the last intake done."""
    if after is None:
        return str(volunteer_id)
    return uuid.UUID(str(volunteer_id)).hex + uuid.UUID(str(after)).hex  # 64: the column's width


def parse_ref(ref: str) -> tuple[uuid.UUID, uuid.UUID | None]:
    """``job_ref``'s (volunteer id, after) back."""
    if len(ref) == 64:
        return uuid.UUID(ref[:32]), uuid.UUID(ref[32:])
    return uuid.UUID(ref), None


def _still_scored_as_stored(P, pool, among, weights, ranked, vid, stored_rows):
    """Split ``ranked`` into the requests whose other suggested volunteers still score as
    stored, and the rest (to score in full).

    Ranking a request among its five and this volunteer holds only while the other four are
    as stored. Another volunteer's change still waiting for its own job (two offers in a
    minute, each volunteer's recompute debounced) breaks that: re-ranked here, a volunteer
    who lost eligibility would drop out with no sixth to step up, and their own job would then
    find nothing of theirs left to replace.
    """
    from portal.matching.engine import score_matrix
    from portal.matching.scoring import to_units

    total, reason = score_matrix(P.take(ranked), pool.take(among), weights)
    units, place = to_units(total), {column: j for j, column in enumerate(among)}
    keep, stale = [], []
    for row, (i, mine) in enumerate(zip(ranked, stored_rows, strict=True)):
        same = all(v in pool.index and reason[row, place[pool.index[v]]] == 0
                   and int(units[row, place[pool.index[v]]]) == held
                   for v, held in mine if v != vid)
        (keep if same else stale).append(i)
    return keep, stale


def recompute_for_volunteer(session: Session, volunteer_id, after=None) -> int:
    """Suggestions after one volunteer's change, as a full recompute would leave them, for the
    next ``RECOMPUTE_CHUNK`` waiting intakes (by id, after ``after``); the rest is queued.

    Returns how many intakes' suggestions were replaced.
    """
    import numpy as np

    from portal.matching.encoding import encode_participants
    from portal.matching.engine import exclusion_counts_many, score_matrix, suggest_many
    from portal.matching.scoring import UNITS_PER_POINT, to_units

    k, vid = matching.SUGGESTIONS_PER_INTAKE, str(volunteer_id)
    query = matching.waiting_intakes().limit(matching.RECOMPUTE_CHUNK + 1)
    if after is not None:
        query = query.where(Intake.id > uuid.UUID(str(after)))
    intakes = session.execute(query).scalars().all()
    if len(intakes) > matching.RECOMPUTE_CHUNK:
        intakes = intakes[:matching.RECOMPUTE_CHUNK]
        outbox.enqueue(session, "recompute_for_volunteer", job_ref(vid, intakes[-1].id))
    if not intakes:
        return 0
    pool, weights = volunteer_pool.volunteer_pool(session), matching.current_weights(session)
    P = encode_participants(engine_records.participant_records(session, intakes))
    stored = _stored(session, [intake.id for intake in intakes], UNITS_PER_POINT)
    column = pool.index.get(vid)  # None: retired, out of the pool
    units, fits = np.zeros(len(intakes), dtype=np.int64), np.zeros(len(intakes), dtype=bool)
    if column is not None:
        total, reason = score_matrix(P, pool.take([column]), weights)
        units, fits = to_units(total[:, 0]), reason[:, 0] == 0
    full, ranked = [], []
    for i, intake in enumerate(intakes):
        mine = stored.get(str(intake.id), [])
        held = dict(mine).get(vid)
        if intake.suggestions_computed_at is None:
            full.append(i)  # never scored: its own job may still be on its way
        elif held is not None:
            (ranked if fits[i] and units[i] >= held else full).append(i)
        elif fits[i] and (len(mine) < k or (-int(units[i]), vid) < (-mine[-1][1], mine[-1][0])):
            ranked.append(i)
    counts = exclusion_counts_many(P, pool)
    for intake, count in zip(intakes, counts, strict=True):
        if intake.exclusion_counts != count:
            intake.exclusion_counts = count
    results = []
    if ranked:
        among = sorted({pool.index[v] for i in ranked
                        for v, _units in stored.get(str(intakes[i].id), ()) if v in pool.index}
                       | {column})
        ranked, stale = _still_scored_as_stored(P, pool, among, weights, ranked, vid, [
            stored.get(str(intakes[i].id), []) for i in ranked])
        full = sorted(full + stale)
    if ranked:
        part = suggest_many(P.take(ranked), pool.take(among), weights, k=k)
        results += [(intakes[i], replace(r, exclusion_counts=counts[i]))
                    for i, r in zip(ranked, part, strict=True)]
    if full:
        part = suggest_many(P.take(full), pool, weights, k=k)
        results += [(intakes[i], r) for i, r in zip(full, part, strict=True)]
    if results:
        matching.store_results(session, results)
    return len(results)
