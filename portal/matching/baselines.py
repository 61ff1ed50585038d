"""The two yardsticks the plan is measured against.

- ``greedy_assignment``: what "suggest on arrival" amounts to — each participant
  in service order takes the best volunteer still free. Fast, and about 9% below
  the optimum on realistic pools (PERFORMANCE.md).
- ``exact_dense_assignment``: the textbook exact answer, scipy's
  ``linear_sum_assignment`` on the full matrix with each volunteer repeated once
  per free place. Exact, but its memory grows with participants × places, so it
  is for small pools, tests and the benchmark's baseline.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from .assignment import GreedyServer, Plan, Progress, build_plan, eligible_units, prepare, report
from .engine import Participants, Volunteers
from .records import Weights
from .scoring import iter_blocks


def _units(start: int, stop: int, total: np.ndarray, fails: np.ndarray) -> tuple:
    return start, stop, eligible_units(total, fails)


def greedy_assignment(
    participants: Participants,
    volunteers: Volunteers,
    weights: Weights | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Intake-order greedy: urgent first, then longest waiting, each takes the best free one."""
    problem = prepare(participants, volunteers, weights)
    server = GreedyServer(problem.free)
    blocks = iter_blocks(problem.scorer, problem.P, problem.bits, then=_units)
    for start, stop, units in blocks:
        server.serve(start, units)
        report(progress, stop / max(1, len(problem.P)), "greedy")
    rows = np.fromiter(server.choice, dtype=np.int64, count=len(server.choice))
    cols_units = np.array(list(server.choice.values()), dtype=np.int64).reshape(-1, 2)
    return build_plan(problem, rows, cols_units[:, 0], cols_units[:, 1], "greedy", False)


def exact_dense_assignment(
    participants: Participants,
    volunteers: Volunteers,
    weights: Weights | None = None,
) -> Plan:
    """The exact optimum (urgent coverage first, then total) by dense linear_sum_assignment.

    Excluded pairs weigh 0 and are dropped afterwards: assigning nobody is worth
    0 too, so a full matching of the rectangular matrix is an optimal partial
    one. Weights are integers far below 2**53, so float64 sums are exact.
    """
    problem = prepare(participants, volunteers, weights)
    P, V = problem.P, problem.V
    places = np.repeat(np.arange(len(V)), V.free)
    if not len(P) or not len(places):
        return build_plan(problem, *(np.zeros(0, np.int64),) * 3, "dense_lsa", True)
    units = np.empty((len(P), len(V)), dtype=np.int64)
    for start, stop, block in iter_blocks(problem.scorer, P, problem.bits, then=_units):
        units[start:stop] = block
    weight = np.where(units >= 0, units + problem.edge_bonus(slice(None))[:, None], 0)
    rows, slots = linear_sum_assignment(weight[:, places].astype(np.float64), maximize=True)
    cols = places[slots]
    keep = units[rows, cols] >= 0
    rows, cols = rows[keep], cols[keep]
    return build_plan(problem, rows, cols, units[rows, cols], "dense_lsa", True)
