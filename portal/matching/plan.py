"""The global plan: an optimal assignment of all waiting participants, proven so.

At 20,000 × 8,000 the score matrix does not fit the memory budget, so:

1. Score every pair once, in row blocks, keeping each participant's best
   ``RESERVE`` eligible volunteers in memory and the score below which the rest
   lie (``candidates.py``). The intake-order greedy plan rides along, so the
   plan can never be worse than greedy.
2. Solve a graph of each row's best ``candidates`` edges (plus greedy and
   each volunteer's best few participants) exactly with OR-Tools min-cost flow.
3. Certify with LP duality (``flow.py``): prices u, y with u[p] + y[v] ≥ w on
   every graph edge whose bound Σu + Σ free·y equals the total. Any edge left
   out with w > u[p] + y[v] is found (``pricing.py``) and added, and the graph is
   solved again, until there is none: the prices then cover every eligible pair
   of the full problem, so no plan can beat this one — it is exactly optimal.
   If the round limit is hit first, the bound still caps the gap, and is reported.

Urgent participants: if the greedy pass covers all of them, every urgent row
must be assigned (an equality, no bonus needed). Otherwise urgent edges carry a
bonus larger than any total of plain scores, which makes the single objective
lexicographic; exact too, only slower for the solver.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from . import flow
from .assignment import GreedyServer, Plan, Problem, Progress, build_plan, prepare, report
from .candidates import build_reserve
from .engine import Participants, Volunteers
from .pricing import violations
from .records import Weights

CANDIDATES = 10  # best volunteers per participant in the first graph
RESERVE = 60  # best volunteers per participant kept in memory for pricing
MAX_ROUNDS = 25
WARM_SWEEPS = 100  # price sweeps tried before re-solving (a fresh optimum needs ~25-50)
WARM_SHARE = 0.01  # try keeping the assignment only when few edges were added


def plan_assignment(
    participants: Participants,
    volunteers: Volunteers,
    weights: Weights | None = None,
    progress: Progress | None = None,
    *,
    candidates: int = CANDIDATES,
    reserve: int = RESERVE,
    max_rounds: int = MAX_ROUNDS,
) -> Plan:
    """The assignment covering the most urgent participants, then scoring highest in total.

    ``progress(fraction, message)`` is called as the work advances. The result is
    deterministic; ``proven_optimal`` says whether the certificate closed
    (``gap_bound`` is 0 then) and ``stats`` how much work it took. ``candidates``
    and ``reserve`` trade memory and solver time against pricing rounds; any
    values give the same optimum.
    """
    report(progress, 0.0, "preparing")
    clock = time.perf_counter()
    problem = prepare(participants, volunteers, weights)
    candidates = max(1, candidates)
    reserve = build_reserve(problem, max(reserve, candidates), candidates, progress)
    stats = {"score_s": time.perf_counter() - clock, "solve_s": 0.0, "price_s": 0.0}
    must, bonus = _urgency(problem, reserve.greedy)
    lift = problem.P.urgent.astype(np.int64) * bonus
    e = reserve.edges
    reserve = replace(reserve, edges=flow.Edges(e.p, e.v, e.w + lift[e.p]))
    graph = flow.Edges(*(a[reserve.in_graph] for a in reserve.edges.astuple()))
    stats |= {"solves": 0, "rounds": 0, "rescored_rows": 0, "urgent_bonus": float(bonus > 0)}
    chosen, prices, gap, picked = None, None, 0, flow.Edges(*(np.zeros(0, np.int64),) * 3)
    for round_no in range(1, max(1, max_rounds) + 1):
        report(progress, 0.6 + 0.4 * (1 - 0.5**round_no), f"checking, round {round_no}")
        chosen, prices = _optimal_on(problem, graph, chosen, must, stats)
        if prices is None:  # pragma: no cover - an optimum always has prices
            break
        u, y = prices
        clock = time.perf_counter()
        extra, raise_u, rescored = violations(problem, reserve, lift, u, y)
        stats["price_s"] += time.perf_counter() - clock
        stats["rounds"], stats["rescored_rows"] = round_no, stats["rescored_rows"] + rescored
        picked = flow.Edges(*(a[chosen] for a in graph.astuple()))
        gap = flow.dual_bound(u + raise_u, y, problem.free) - int(picked.w.sum())
        if not len(extra):
            break
        warm = len(extra) <= WARM_SHARE * len(graph)
        graph = graph.extended(extra)
        chosen = np.concatenate([chosen, np.zeros(len(extra), bool)]) if warm else None
    stats["graph_edges"] = float(len(graph))
    report(progress, 1.0, "done")
    units = picked.w - lift[picked.p]
    proven = prices is not None and gap == 0
    return build_plan(problem, picked.p, picked.v, units, "min_cost_flow", proven, gap, stats)


def _optimal_on(problem: Problem, graph: flow.Edges, chosen, must, stats: dict):
    """An optimal assignment of the graph and its prices, solving only when needed.

    After a few edges are added the previous assignment often stays optimal; a
    quick price computation (bounded sweeps) proves it and saves a solve.
    """
    n_p = len(problem.P)
    if chosen is not None:
        prices = flow.certify(graph, chosen, n_p, problem.free, must, WARM_SWEEPS)
        if prices is not None:
            return chosen, prices
    clock = time.perf_counter()
    chosen = flow.solve(graph, n_p, problem.free, must)
    stats["solves"] += 1
    prices = flow.certify(graph, chosen, n_p, problem.free, must)
    stats["solve_s"] += time.perf_counter() - clock
    return chosen, prices


def _urgency(problem: Problem, greedy: GreedyServer) -> tuple[np.ndarray | None, int]:
    """How urgency enters the objective: (rows that must be assigned, bonus per urgent edge)."""
    urgent = problem.P.urgent
    covered = sum(1 for row in greedy.choice if urgent[row])
    if covered == int(urgent.sum()):
        return urgent, 0  # all of them can be covered, so all of them must be
    return None, problem.bonus
