"""The engine's front door: score matrices, breakdowns and top-k suggestions.

Everything here is pure: plain records (or pools encoded from them) in, plain
values out. Volunteers are ordered by id inside the engine, so equal scores
always come back in id order, and the same input gives the same output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .eligibility import EXCLUSIONS, Reason, block_failures, first_reason, pair_bits
from .encoding import (
    EncodedParticipants,
    EncodedVolunteers,
    encode_participants,
    encode_volunteers,
)  # fmt: skip
from .explain import Fact, explain
from .records import CRITERIA, ParticipantRecord, VolunteerRecord, Weights
from .scoring import BLOCK_PAIRS, UNITS_PER_POINT, Scorer, iter_blocks, to_units

Participants = Sequence[ParticipantRecord] | EncodedParticipants
Volunteers = Sequence[VolunteerRecord] | EncodedVolunteers


def as_participants(participants: Participants) -> EncodedParticipants:
    """Encode participant records, or pass an encoded pool through."""
    if isinstance(participants, EncodedParticipants):
        return participants
    return encode_participants(list(participants))


def as_volunteers(volunteers: Volunteers) -> EncodedVolunteers:
    """Encode volunteer records (sorted by id), or pass an encoded pool through."""
    if isinstance(volunteers, EncodedVolunteers):
        return volunteers
    return encode_volunteers(list(volunteers))


def score_matrix(
    participants: Participants, volunteers: Volunteers, weights: Weights | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Total points (float32 [nP, nV]) and first failed hard rule (int8, 0 = eligible).

    Rows follow the participants as given, columns the volunteers sorted by id
    (``as_volunteers(volunteers).ids``). Totals are computed for every pair;
    a non-zero reason marks the pair as excluded. Dense: for pools that fit in
    memory (the plan scores in blocks instead).
    """
    P, V = as_participants(participants), as_volunteers(volunteers)
    scorer, bits = Scorer(V, weights or Weights()), pair_bits(P, V)
    total = np.empty((len(P), len(V)), dtype=np.float32)
    reason = np.empty((len(P), len(V)), dtype=np.int8)
    for start, stop, block, fails in iter_blocks(scorer, P, bits):
        total[start:stop] = block
        reason[start:stop] = first_reason(fails)
    return total, reason


def breakdown(
    participant: ParticipantRecord, volunteer: VolunteerRecord, weights: Weights | None = None
) -> dict[str, float]:
    """Points per criterion for one pair; they add up to its score in ``score_matrix``."""
    P, V = encode_participants([participant]), encode_volunteers([volunteer])
    parts = Scorer(V, weights or Weights()).criteria(P, 0, 1)
    return {name: float(parts[name][0, 0]) for name in CRITERIA}


def exclusions(participant: ParticipantRecord, volunteers: Volunteers) -> dict[str, Reason]:
    """The first hard rule each volunteer fails for one participant (ELIGIBLE: none).

    The last gate before someone is asked: the very rules every score uses, run on a pool
    of one participant, without scoring.
    """
    P, V = encode_participants([participant]), as_volunteers(volunteers)
    fails = block_failures(P, slice(0, 1), V, pair_bits(P, V))
    return {vid: Reason(int(code)) for vid, code in zip(V.ids, first_reason(fails[0]), strict=False)}


def exclusion(participant: ParticipantRecord, volunteer: VolunteerRecord) -> Reason:
    """The first hard rule one pair fails, ELIGIBLE when none (``exclusions`` for one)."""
    return exclusions(participant, [volunteer])[volunteer.id]


@dataclass(frozen=True)
class Suggestion:
    """One suggested volunteer: score, its per-criterion breakdown and why, as facts."""

    volunteer_id: str
    score: float  # points 0..100, to the thousandth; shown to coordinators only
    breakdown: dict[str, float]
    reasons: tuple[Fact, ...]


@dataclass(frozen=True)
class Suggestions:
    """Top suggestions for one participant and how many volunteers each rule excluded."""

    participant_id: str
    items: tuple[Suggestion, ...]
    exclusion_counts: dict[str, int]  # every Reason key, in rule order, zero included
    eligible_count: int


def exclusion_counts(reasons: np.ndarray) -> dict[str, int]:
    """Excluded volunteers per hard rule, every rule listed in its fixed order."""
    counts = np.bincount(reasons.ravel().astype(np.intp), minlength=len(Reason))
    return {reason.key: int(counts[reason.value]) for reason in EXCLUSIONS}


def exclusion_counts_many(participants: Participants, volunteers: Volunteers) -> list[dict[str, int]]:
    """``Suggestions.exclusion_counts`` of every participant, from the hard rules alone."""
    P, V = as_participants(participants), as_volunteers(volunteers)
    bits, step = pair_bits(P, V), max(1, BLOCK_PAIRS // max(1, len(V)))
    keys, counts = [reason.key for reason in EXCLUSIONS], []
    for start in range(0, len(P), step):
        stop = min(start + step, len(P))
        reasons = first_reason(block_failures(P, slice(start, stop), V, bits[start:stop]))
        rows, width = stop - start, len(Reason)
        cells = reasons.astype(np.intp) + width * np.arange(rows)[:, None]
        block = np.bincount(cells.ravel(), minlength=rows * width).reshape(rows, width)
        counts += [dict(zip(keys, row, strict=True))
                   for row in block[:, [reason.value for reason in EXCLUSIONS]].tolist()]
    return counts


def top_eligible(units: np.ndarray, eligible: np.ndarray, k: int) -> np.ndarray:
    """Columns of the k best eligible scores, best first, ties by column (= volunteer id)."""
    columns = np.flatnonzero(eligible)
    if k <= 0:
        return columns[:0]
    if k < len(columns):
        # Keep everything tied with the k-th best, then order exactly.
        kth = np.partition(units[columns], len(columns) - k)[len(columns) - k]
        columns = columns[units[columns] >= kth]
    order = np.lexsort((columns, -units[columns]))
    return columns[order][:k]


def suggest(
    participant: ParticipantRecord,
    volunteers: Volunteers,
    weights: Weights | None = None,
    k: int = 5,
    scorer: Scorer | None = None,
) -> Suggestions:
    """The k best eligible volunteers for one participant, explained.

    Pass an encoded pool (and a ``Scorer`` built on it, whose weights then
    apply) to reuse them across many participants; only this row is scored.
    """
    return suggest_many([participant], volunteers, weights, k, scorer)[0]


def suggest_many(
    participants: Participants,
    volunteers: Volunteers,
    weights: Weights | None = None,
    k: int = 5,
    scorer: Scorer | None = None,
) -> list[Suggestions]:
    """``suggest`` for every participant at once: all rows scored in one pass of blocks."""
    P, V = as_participants(participants), as_volunteers(volunteers)
    if scorer is not None and scorer.V is not V:
        raise ValueError("the scorer was built for another volunteer pool")
    scorer = scorer or Scorer(V, weights or Weights())
    results = []
    for start, stop, total, fails in iter_blocks(scorer, P, pair_bits(P, V)):
        for row in range(stop - start):
            results.append(_suggestions(P, start + row, V, scorer, total[row], fails[row], k))
    return results


def _suggestions(P, i: int, V, scorer: Scorer, total, fails, k: int) -> Suggestions:
    """Row ``i``'s top k, explained, from its scores and failure bits."""
    reasons = first_reason(fails)
    units = to_units(total)
    chosen = top_eligible(units, reasons == 0, max(0, k))
    parts = Scorer(V.take(chosen), scorer.weights).criteria(P, i, i + 1)
    items = []
    for n, j in enumerate(chosen):
        split = {name: round(float(parts[name][0, n]), 4) for name in CRITERIA}
        items.append(
            Suggestion(
                V.ids[j],
                int(units[j]) / UNITS_PER_POINT,
                split,
                explain(P, i, V, int(j), split, scorer.points),
            )
        )
    return Suggestions(
        P.ids[i], tuple(items), exclusion_counts(reasons), int((reasons == 0).sum())
    )
