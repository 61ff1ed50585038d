"""The one full scoring pass of the plan: each row's best edges, kept in memory.

Each row gets a *cut*: the edges scoring strictly above it are kept, and every
edge left out scores at most the cut, which is all pricing needs to know about
them. Any cut is correct, so the reserve cut (about ``keep`` edges, checked in
memory when pricing) comes from a cheap histogram; the graph cut (the ``first``
best of the reserve, handed to the solver in round one) is an exact order
statistic over those few values.

Two more kinds of edges join the first graph:

- greedy: the intake-order greedy plan, so the optimum found is never below it
  (greedy often picks far down a row: its favourites were taken by earlier rows);
- fans: each volunteer's best few participants. Without them a volunteer that
  nobody ranks near the top has no edge, its price comes out 0, and the first
  certificate fails against every row at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .assignment import GreedyServer, Problem, Progress, eligible_units, report
from .flow import Edges
from .scoring import iter_blocks

FANS = 8  # best participants per volunteer in the first graph
_BIN_SHIFT = 9  # histogram bins of 512 units, about half a point


@dataclass(frozen=True)
class Reserve:
    """What the scoring pass keeps: edges (units, no urgency bonus), cuts, greedy."""

    edges: Edges
    in_graph: np.ndarray  # bool per edge: part of the first graph
    cut: np.ndarray  # per row: every edge outside ``edges`` scores at most this; -1: none
    greedy: GreedyServer


def build_reserve(problem: Problem, keep: int, first: int, progress: Progress | None) -> Reserve:
    """Score every pair once, in blocks (scoring threads also do the selection)."""
    P, n_v = problem.P, len(problem.V)
    greedy = GreedyServer(problem.free)
    keep_cut = np.full(len(P), -1, dtype=np.int64)
    first_cut = keep_cut.copy()
    parts: list[tuple] = []
    fans: list[tuple[np.ndarray, np.ndarray]] = []

    def select(start: int, stop: int, total: np.ndarray, fails: np.ndarray) -> tuple:
        units = eligible_units(total, fails)
        cut = _cut(units, keep)
        rows, cols = np.nonzero(units > cut[:, None])
        values = units[rows, cols]
        first_cut = _exact_cut(rows, values, len(units), first)
        edges = (rows + start, cols, values, values > first_cut[rows])
        return start, stop, units, edges, (cut, first_cut), _best_per_column(units, start)

    for start, stop, units, edges, cuts, fan in iter_blocks(
        problem.scorer, P, problem.bits, select
    ):
        greedy.serve(start, units)
        keep_cut[start:stop], first_cut[start:stop] = cuts
        parts.append(edges)
        fans.append(fan)
        report(progress, 0.6 * stop / max(1, len(P)), "scoring")
    p, v, w, in_graph = (_concat([part[i] for part in parts]) for i in range(4))
    extra = _distinct(_greedy_edges(greedy).extended(_fan_edges(fans, n_v)), n_v)
    there = (extra.w > keep_cut[extra.p]) & (extra.w > first_cut[extra.p])  # in the graph
    extra = Edges(*(a[~there] for a in extra.astuple()))
    edges = Edges(p, v, w).extended(extra)
    in_graph = np.concatenate([in_graph.astype(bool), np.ones(len(extra), dtype=bool)])
    return Reserve(edges, in_graph, keep_cut, greedy)


def _concat(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(arrays).astype(np.int64) if arrays else np.zeros(0, np.int64)


def _cut(units: np.ndarray, k: int) -> np.ndarray:
    """A per-row cut with about k eligible values above it (-1: keep them all).

    Any cut is correct — whatever is left out scores at most the cut — so instead
    of exact order statistics (a partition per row) a histogram of half-point
    bins over a sample of the row picks the highest bin boundary with about k
    values above it.
    """
    n_rows, stride = len(units), max(1, units.shape[1] // (8 * max(1, k)))
    # A strided sample of the columns is enough to place the cut: its counts,
    # scaled by the stride, estimate the row's; the cut stays exact either way.
    sample = units[:, ::stride]
    bins = (sample + 1) >> _BIN_SHIFT  # excluded (-1) fall in bin 0
    n_bins = int(bins.max(initial=0)) + 1
    offsets = (np.arange(n_rows, dtype=bins.dtype) * n_bins)[:, None]
    counts = np.bincount((bins + offsets).ravel(), minlength=n_rows * n_bins)
    counts = counts.reshape(n_rows, n_bins) * stride
    counts[:, 0] = 0  # bin 0 holds the excluded pairs (and scores below half a point)
    enough = np.cumsum(counts[:, ::-1], axis=1)[:, ::-1] >= max(1, k)  # k in bins >= j
    top = n_bins - 1 - np.argmax(enough[:, ::-1], axis=1)  # the highest such bin
    cut = (top << _BIN_SHIFT) - 2  # values in bins >= top are exactly those > cut
    return np.where(enough.any(axis=1) & (top > 0), cut, -1)


def _exact_cut(rows: np.ndarray, values: np.ndarray, n_rows: int, k: int) -> np.ndarray:
    """Each row's (k+1)-th best of the given (row-sorted) values, -1 if it has ≤ k.

    Only the few values above the reserve cut are sorted, so this is cheap.
    """
    counts = np.bincount(rows, minlength=n_rows)
    width = int(counts.max(initial=0))
    if width <= k:
        return np.full(n_rows, -1, dtype=np.int64)
    padded = np.full((n_rows, width), -1, dtype=np.int64)
    padded[rows, np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)] = values
    return np.partition(padded, width - k - 1, axis=1)[:, width - k - 1]


def _best_per_column(units: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray]:
    """Each volunteer's best row in this block and its units (-1 when none is eligible).

    The first row reaching each column's maximum, as ``argmax(axis=0)`` would give,
    but reading the block row by row (a column-wise argmax is about 3x slower).
    """
    best = units.max(axis=0)
    return (units == best).argmax(axis=0) + start, best


def _greedy_edges(greedy: GreedyServer) -> Edges:
    rows = np.fromiter(greedy.choice, dtype=np.int64, count=len(greedy.choice))
    picks = np.array(list(greedy.choice.values()), dtype=np.int64).reshape(-1, 2)
    return Edges(rows, picks[:, 0], picks[:, 1])


def _fan_edges(fans: list[tuple[np.ndarray, np.ndarray]], n_v: int) -> Edges:
    """Each volunteer's best FANS participants, from distinct blocks."""
    if not fans or not n_v:
        return Edges(*(np.zeros(0, np.int64),) * 3)
    rows = np.stack([f[0] for f in fans], axis=1).astype(np.int64)  # volunteers × blocks
    units = np.stack([f[1] for f in fans], axis=1).astype(np.int64)
    if units.shape[1] > FANS:
        top = np.argpartition(units, units.shape[1] - FANS, axis=1)[:, -FANS:]
        rows, units = np.take_along_axis(rows, top, 1), np.take_along_axis(units, top, 1)
    cols = np.repeat(np.arange(n_v, dtype=np.int64), rows.shape[1])
    keep = units.ravel() >= 0
    return Edges(rows.ravel()[keep], cols[keep], units.ravel()[keep])


def _distinct(edges: Edges, n_v: int) -> Edges:
    """Each (row, column) once (greedy and fan edges may coincide)."""
    _, first = np.unique(edges.p * max(1, n_v) + edges.v, return_index=True)
    return Edges(*(a[np.sort(first)] for a in edges.astuple()))
