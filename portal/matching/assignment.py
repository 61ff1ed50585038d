"""What every assignment method shares: the prepared problem and the Plan it returns.

The objective is lexicographic — cover as many urgent participants as
possible, then maximise the total score — and is made a single sum by adding
a bonus to every urgent participant's edges that is larger than any total of
plain scores could be. Scores enter as integer thousandths of a point
(``scoring.to_units``), so every method optimises exactly the same numbers and
totals compare exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from .eligibility import pair_bits
from .encoding import EncodedParticipants, EncodedVolunteers
from .engine import Participants, Volunteers, as_participants, as_volunteers
from .records import Weights
from .scoring import UNITS_PER_POINT, Scorer, to_units

Progress = Callable[[float, str], None]
MAX_UNITS = 100 * UNITS_PER_POINT  # the best possible score of one pair


@dataclass(frozen=True)
class PlannedPair:
    """One proposed pair, for the coordinator to approve."""

    participant_id: str
    volunteer_id: str
    score: float
    urgent: bool


@dataclass(frozen=True)
class Plan:
    """An assignment of waiting participants to volunteers within their free capacity."""

    pairs: tuple[PlannedPair, ...]  # in service order: urgent first, then longest waiting
    unassigned: tuple[str, ...]  # participants left waiting, in service order
    total_score: float  # sum of the pairs' scores (points)
    total_units: int  # the same in thousandths, exact
    urgent_covered: int
    urgent_waiting: int
    method: str  # "min_cost_flow", "greedy" or "dense_lsa"
    proven_optimal: bool
    # Proven bound on what a better plan could add, in objective points (0 when
    # proven optimal; when urgent edges carry a bonus, the bonus counts too).
    gap_bound: float = 0.0
    # Work done and seconds spent: for logs and the progress page, not compared.
    stats: dict[str, float] = field(default_factory=dict, compare=False)

    def objective(self) -> tuple[int, int]:
        """(urgent covered, total in thousandths): what the plan maximises, in order."""
        return self.urgent_covered, self.total_units


@dataclass(frozen=True)
class Problem:
    """Participants in service order, the volunteers who can take someone, and the bonus."""

    P: EncodedParticipants
    V: EncodedVolunteers  # only volunteers active, available and with a free place
    scorer: Scorer
    bits: sparse.csr_array
    bonus: int  # added to the weight of every urgent participant's edges

    @property
    def free(self) -> np.ndarray:
        return self.V.free

    def edge_bonus(self, rows: np.ndarray | slice) -> np.ndarray:
        """Bonus of each participant row (int64): the urgent ones get ``bonus``."""
        return self.P.urgent[rows].astype(np.int64) * self.bonus


def prepare(
    participants: Participants, volunteers: Volunteers, weights: Weights | None
) -> Problem:
    """Encode, sort participants into service order and drop volunteers who cannot take anyone."""
    P = as_participants(participants)
    P = P.take(P.priority_order())
    V = as_volunteers(volunteers)
    V = V.take(np.flatnonzero((V.base_bits == 0) & (V.free > 0)))
    places = int(min(len(P), int(V.free.sum())))
    bonus = places * MAX_UNITS + 1  # more than any total of plain scores
    return Problem(P, V, Scorer(V, weights or Weights()), pair_bits(P, V), bonus)


def eligible_units(total: np.ndarray, fails: np.ndarray) -> np.ndarray:
    """Scores in thousandths (int32), -1 where a hard rule excludes the pair."""
    units = to_units(total)
    np.putmask(units, fails != 0, -1)
    return units


class GreedyServer:
    """Intake-order greedy: each participant in turn takes the best volunteer still free.

    Ties go to the lower column, i.e. the smaller volunteer id.
    """

    def __init__(self, free: np.ndarray) -> None:
        self.left = free.astype(np.int64).copy()
        self.open = self.left > 0
        self.choice: dict[int, tuple[int, int]] = {}  # row -> (column, units)

    def serve(self, first_row: int, units: np.ndarray) -> None:
        """Serve a block of consecutive participant rows, given their eligible units.

        Each row's best over the volunteers open at the start of the block is
        still its best while that volunteer stays open (places only ever close),
        so only rows whose pick filled up meanwhile are looked at again.
        """
        if not units.shape[1]:
            return
        best = np.where(self.open, units, -1).argmax(axis=1)
        for offset, row in enumerate(units):
            pick = int(best[offset])
            if not self.open[pick]:
                pick = int(np.where(self.open, row, -1).argmax())
            if row[pick] < 0 or not self.open[pick]:
                continue
            self.choice[first_row + offset] = (pick, int(row[pick]))
            self.left[pick] -= 1
            self.open[pick] = self.left[pick] > 0


def build_plan(
    problem: Problem,
    rows: np.ndarray,
    cols: np.ndarray,
    units: np.ndarray,
    method: str,
    proven: bool,
    gap_units: int = 0,
    stats: dict[str, float] | None = None,
) -> Plan:
    """A Plan from chosen (row, column, units) triples, pairs in service order."""
    P, V = problem.P, problem.V
    order = np.argsort(rows, kind="stable")
    rows, cols, units = rows[order], cols[order], np.asarray(units, dtype=np.int64)[order]
    pairs = tuple(
        PlannedPair(P.ids[r], V.ids[c], int(w) / UNITS_PER_POINT, bool(P.urgent[r]))
        for r, c, w in zip(rows.tolist(), cols.tolist(), units.tolist(), strict=False)
    )
    served = np.zeros(len(P), dtype=bool)
    served[rows] = True
    total = int(units.sum())
    return Plan(
        pairs=pairs,
        unassigned=tuple(P.ids[i] for i in np.flatnonzero(~served)),
        total_score=total / UNITS_PER_POINT,
        total_units=total,
        urgent_covered=int(P.urgent[rows].sum()),
        urgent_waiting=int(P.urgent.sum()),
        method=method,
        proven_optimal=proven,
        gap_bound=gap_units / UNITS_PER_POINT,
        stats=dict(stats or {}),
    )


def report(progress: Progress | None, fraction: float, message: str) -> None:
    """Tell the caller how far along we are, if they asked."""
    if progress is not None:
        progress(min(1.0, max(0.0, fraction)), message)
