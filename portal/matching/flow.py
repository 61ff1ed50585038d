"""Solve a sparse assignment with OR-Tools min-cost flow, and certify it by LP duality.

The problem: participants × volunteers edges with integer weights w; choose
edges maximising the total, each participant at most once, each volunteer at
most ``free[v]`` times. As a flow: source → participant (capacity 1),
participant → volunteer (cost -w), volunteer → sink (capacity free[v]), plus a
source → sink bypass so that leaving someone unassigned is allowed.

Participants who must be assigned (urgent ones, when all can be) get their
own source without a bypass.

Its LP dual — prices u[p] ≥ 0 (any sign for must-assign rows), y[v] ≥ 0, with
u[p] + y[v] ≥ w[p, v] on every edge — bounds every assignment: total ≤ Σu +
Σ free·y. ``volunteer_prices`` recovers optimal prices from the solved flow, so
the bound meets the total exactly; the planner then checks pruned edges
against the same prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

NO_EDGE = np.iinfo(np.int64).min // 4  # "minus infinity" that survives a few additions


@dataclass(frozen=True)
class Edges:
    """Candidate edges: participant row, volunteer column, integer weight."""

    p: np.ndarray  # int64
    v: np.ndarray  # int64
    w: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.p)

    def extended(self, other: Edges) -> Edges:
        """These edges and another set's (the caller guarantees no pair repeats)."""
        return Edges(*(np.concatenate([a, b]) for a, b in zip(self.astuple(), other.astuple(), strict=False)))

    def astuple(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.p, self.v, self.w


def solve(
    edges: Edges, n_participants: int, free: np.ndarray, must: np.ndarray | None = None
) -> np.ndarray:
    """Which edges the maximum-weight assignment uses (bool per edge).

    Participants flagged in ``must`` are all assigned (their source has no
    bypass); the caller makes sure that is feasible.
    """
    n_volunteers = len(free)
    must = np.zeros(n_participants, bool) if must is None else must
    source, sink, forced = (n_participants + n_volunteers + i for i in range(3))
    n_forced = int(must.sum())
    optional = int(min(n_participants - n_forced, max(0, int(free.sum()) - n_forced)))
    if not len(edges) or n_forced + optional == 0:
        return np.zeros(len(edges), dtype=bool)
    solver = min_cost_flow.SimpleMinCostFlow()
    pair_arcs = solver.add_arcs_with_capacity_and_unit_cost(
        edges.p, n_participants + edges.v, np.ones(len(edges), np.int64), -edges.w
    )
    _arcs(solver, np.where(must, forced, source), np.arange(n_participants), 1)
    _arcs(solver, n_participants + np.arange(n_volunteers), np.full(n_volunteers, sink), free)
    solver.add_arc_with_capacity_and_unit_cost(source, sink, optional, 0)
    solver.set_nodes_supplies(
        np.array([source, forced, sink]), np.array([optional, n_forced, -optional - n_forced])
    )
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow did not solve: status {status}")
    return solver.flows(pair_arcs) > 0


def _arcs(solver, tails: np.ndarray, heads: np.ndarray, capacity) -> None:
    """Zero-cost arcs, vectorised."""
    n = len(tails)
    solver.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int64), heads.astype(np.int64),
        np.broadcast_to(np.asarray(capacity, dtype=np.int64), n).copy(), np.zeros(n, np.int64),
    )  # fmt: skip


def volunteer_prices(
    edges: Edges,
    chosen: np.ndarray,
    n_participants: int,
    n_volunteers: int,
    max_sweeps: int | None = None,
) -> np.ndarray | None:
    """Optimal dual prices y[v] of an optimal assignment (int64, ≥ 0), or None.

    They are shortest-path potentials of the flow's residual graph, worked out on
    volunteers alone: a volunteer in use is worth at least 0; one an unassigned
    participant could take is worth at least that edge; and if participant p sits
    with volunteer a, every other edge (p, v) forces y[v] ≥ y[a] + w[p, v] - w[p, a]
    (else p would rather move). The least prices meeting all of these are found
    by label correcting from the volunteers whose price changed. At an optimum no
    cycle gains, so it settles within n_volunteers sweeps; None after
    ``max_sweeps`` (default n_volunteers + 1) means the assignment can be improved.
    Settling alone proves nothing: ``certify`` checks the prices.
    """
    seat = np.full(n_participants, -1, dtype=np.int64)  # volunteer each participant sits with
    seat_w = np.zeros(n_participants, dtype=np.int64)
    seat[edges.p[chosen]], seat_w[edges.p[chosen]] = edges.v[chosen], edges.w[chosen]
    y = np.full(n_volunteers, NO_EDGE, dtype=np.int64)
    y[np.unique(edges.v[chosen])] = 0
    waiting = seat[edges.p] < 0
    np.maximum.at(y, edges.v[waiting], edges.w[waiting])
    moves = ~waiting & (seat[edges.p] != edges.v)
    src, dst = seat[edges.p[moves]], edges.v[moves]
    gain = edges.w[moves] - seat_w[edges.p[moves]]
    order = np.argsort(src, kind="stable")
    src, dst, gain = src[order], dst[order], gain[order]
    starts = np.searchsorted(src, np.arange(n_volunteers + 1))
    frontier = np.flatnonzero(y > NO_EDGE)
    for _ in range(n_volunteers + 1 if max_sweeps is None else max_sweeps):
        if not len(frontier):
            return np.maximum(y, 0)
        index = _ranges(starts[frontier], starts[frontier + 1])
        before = y.copy()
        np.maximum.at(y, dst[index], y[src[index]] + gain[index])
        frontier = np.flatnonzero(y > before)
    return None


def _ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Concatenated aranges start..stop, vectorised."""
    lengths = stops - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(total)


def participant_prices(
    edges: Edges, y: np.ndarray, n_participants: int, must: np.ndarray | None = None
) -> np.ndarray:
    """The least u[p] with u[p] + y[v] ≥ w on each of p's edges, given y.

    u[p] ≥ 0 too, except for participants who must be assigned: their row is an
    equality in the LP, so its price may be negative.
    """
    u = np.full(n_participants, NO_EDGE, dtype=np.int64)
    np.maximum.at(u, edges.p, edges.w - y[edges.v])
    floor = np.zeros(n_participants, np.int64)
    if must is not None:
        floor[must] = NO_EDGE
    return np.maximum(u, floor)


def certify(
    edges: Edges,
    chosen: np.ndarray,
    n_participants: int,
    free: np.ndarray,
    must: np.ndarray | None,
    max_sweeps: int | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Prices (u, y) proving ``chosen`` optimal on ``edges``, or None if they cannot.

    The prices cover every edge by construction, so their bound is at least the
    total; equal means optimal (LP duality).
    """
    n_p = n_participants
    y = volunteer_prices(edges, chosen, n_p, len(free), max_sweeps)
    if y is None:
        return None
    u = participant_prices(edges, y, n_p, must)
    return (u, y) if dual_bound(u, y, free) == int(edges.w[chosen].sum()) else None


def dual_bound(u: np.ndarray, y: np.ndarray, free: np.ndarray) -> int:
    """Σu + Σ free·y: no assignment over edges the prices cover can total more."""
    return int(u.sum()) + int((free.astype(np.int64) * y).sum())
