"""After one volunteer's change, replace only the suggestions that change can alter.

Another volunteer's score for a request does not depend on this one, so a waiting request's
top five can change only where this volunteer is among them or now beats the fifth. The
volunteer is scored against every waiting request in one pass. Where they were among the
five and now score lower or no longer qualify, the sixth best may step up: that request is
scored again in full. Where they enter the five, or stay at the same score or higher, the
request is ranked again among its five and them. Everything else keeps its suggestions;
the counts of volunteers each hard rule excluded are counted again for every request
(without scoring: they change with any volunteer's eligibility).

Full rescores go ``RECOMPUTE_CHUNK`` a job; the job then queues itself again behind whatever
arrived meanwhile, and that run finds only what is still out of date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Intake, IntakeState, Suggestion
from portal.services import matching, outbox


def _stored(session: Session, units_per_point: int) -> dict[str, list[tuple[str, int]]]:
    """Each waiting intake's stored suggestions, best first, as (volunteer id, score units),
    by intake id (as text; read raw: 10,000 rows of UUIDs converted one by one were slow)."""
    waiting = sa.select(Intake.id).where(Intake.state == IntakeState.WAITING,
                                         Intake.erased_at.is_(None))
    ranked: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    text = matching.uuid_text
    for intake_id, rank, volunteer_id, score in matching.raw_rows(session, sa.select(
            Suggestion.intake_id, Suggestion.rank, Suggestion.volunteer_id, Suggestion.score)
            .where(Suggestion.intake_id.in_(waiting))):
        ranked[text(intake_id)].append((rank, text(volunteer_id), round(score * units_per_point)))
    return {intake: [(vid, units) for _rank, vid, units in sorted(rows)]
            for intake, rows in ranked.items()}


def recompute_for_volunteer(session: Session, volunteer_id) -> int:
    """Suggestions after one volunteer's change, as a full recompute would leave them.

    Returns how many intakes' suggestions were replaced.
    """
    import numpy as np

    from portal.matching.encoding import encode_participants
    from portal.matching.engine import exclusion_counts_many, score_matrix, suggest_many
    from portal.matching.scoring import UNITS_PER_POINT, to_units

    k, vid = matching.SUGGESTIONS_PER_INTAKE, str(volunteer_id)
    intakes = session.execute(matching.waiting_intakes()).scalars().all()
    if not intakes:
        return 0
    pool, weights = matching.volunteer_pool(session), matching.current_weights(session)
    P = encode_participants(matching.participant_records(session, intakes))
    stored = _stored(session, UNITS_PER_POINT)
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
    now, later = full[:matching.RECOMPUTE_CHUNK], full[matching.RECOMPUTE_CHUNK:]
    results = []
    if ranked:
        among = {pool.index[v] for i in ranked for v, _units in stored.get(str(intakes[i].id), ())
                 if v in pool.index} | {column}
        part = suggest_many(P.take(ranked), pool.take(sorted(among)), weights, k=k)
        results += [(intakes[i], replace(r, exclusion_counts=counts[i]))
                    for i, r in zip(ranked, part, strict=True)]
    if now:
        part = suggest_many(P.take(now), pool, weights, k=k)
        results += [(intakes[i], r) for i, r in zip(now, part, strict=True)]
    if results:
        matching.store_results(session, results)
    if later:
        outbox.enqueue(session, "recompute_for_volunteer", vid)
    return len(results)
