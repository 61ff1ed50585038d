"""Pricing: find the edges left out of the graph that could still improve the plan.

With prices u (participants) and y (volunteers) proving the graph's optimum,
an edge outside the graph could improve it only if w[p, v] > u[p] + y[v]
(its *slack* is positive). Raising each u[p] by its row's largest slack makes
the prices cover every edge of the full problem, so Σu + Σ free·y then bounds
the full optimum: with no positive slack anywhere, the graph's optimum is the
full optimum.

Reserve edges are priced in memory. Beyond the reserve a row's edges score at
most its cut, so a row can hide a violation only if cut - u[p] > min(y), and
only through volunteers with y[v] < cut - u[p]: those pairs alone are scored again.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .assignment import Problem, eligible_units
from .candidates import Reserve
from .eligibility import pair_bits
from .flow import NO_EDGE, Edges
from .scoring import BLOCK_PAIRS, Scorer, workers

ADD_PER_ROW = 8  # violating edges a row may add per round


def violations(
    problem: Problem, reserve: Reserve, lift: np.ndarray, u: np.ndarray, y: np.ndarray
) -> tuple[Edges, np.ndarray, int]:
    """(edges to add, best ADD_PER_ROW per row; how much each u must rise; rows rescored).

    ``reserve.edges`` carry their urgency ``lift`` already; ``lift`` is per row.
    """
    pool, raise_u = reserve.edges, np.zeros_like(u)
    out = ~reserve.in_graph
    p, v, w = pool.p[out], pool.v[out], pool.w[out]
    slack = w - u[p] - y[v]
    bad = slack > 0
    found = [(p[bad], v[bad], w[bad], slack[bad])]
    np.maximum.at(raise_u, p[bad], slack[bad])
    cut = np.where(reserve.cut >= 0, reserve.cut + lift, NO_EDGE)
    lowest = int(y.min()) if len(y) else 0
    suspect = np.flatnonzero((cut > NO_EDGE) & (cut - u > lowest))
    if len(suspect):
        found += _rescore(problem, reserve.cut, suspect, cut - u, lift, u, y, raise_u)
    return _best_per_row(found), raise_u, len(suspect)


def _rescore(problem, reserve_cut, suspect, margin, lift, u, y, raise_u) -> list[tuple]:
    """Score suspect rows again, each against the volunteers cheap enough to matter.

    Rows are taken in order of their margin and volunteers in order of price, so
    each row needs a prefix of the volunteers; blocks of rows are sized so that
    rows × prefix stays near one scoring block, and scored by the same threads
    as the first pass (NumPy releases the GIL).
    """
    suspect = suspect[np.argsort(margin[suspect], kind="stable")]
    by_price = np.argsort(y, kind="stable")
    reach = np.searchsorted(y[by_price], margin[suspect], side="left")  # prefix per row
    by_price = by_price[: int(reach[-1])]
    Ps, Vs, prices = problem.P.take(suspect), problem.V.take(by_price), y[by_price]
    scorer = Scorer(Vs, problem.scorer.weights)

    def block(start: int, stop: int) -> tuple:
        n_cols = int(reach[stop - 1])
        rows, cols = suspect[start:stop], by_price[:n_cols]
        bits = pair_bits(problem.P, problem.V, rows, cols)
        units = eligible_units(*scorer.score_rows(Ps, start, stop, bits, n_cols)).astype(np.int64)
        weight = units + lift[rows, None]
        slack = weight - prices[:n_cols] - u[rows, None]
        # Excluded pairs cannot be added; reserve pairs were priced in memory.
        slack[(units < 0) | (units > reserve_cut[rows, None])] = NO_EDGE
        r, c = _top_positive(slack, ADD_PER_ROW)
        worst = np.maximum(slack.max(axis=1, initial=NO_EDGE), 0)
        return rows, worst, (rows[r], cols[c], weight[r, c], slack[r, c])

    blocks, start = [], 0
    while start < len(suspect):
        stop = _block_end(reach, start)
        blocks.append((start, stop))
        start = stop
    n_workers = min(workers(), len(blocks))
    if n_workers == 1:
        done = [block(*b) for b in blocks]
    else:
        with ThreadPoolExecutor(n_workers) as pool:
            done = list(pool.map(lambda b: block(*b), blocks))
    for rows, worst, _ in done:
        np.maximum.at(raise_u, rows, worst)
    return [edges for _, _, edges in done]


def _block_end(reach: np.ndarray, start: int) -> int:
    """Largest stop with (stop - start) × reach[stop - 1] ≤ BLOCK_PAIRS (at least one row)."""
    cost = np.arange(1, len(reach) - start + 1) * np.maximum(reach[start:], 1)
    return start + max(1, int(np.searchsorted(cost, BLOCK_PAIRS, side="right")))


def _top_positive(slack: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of each row's k largest positive entries."""
    n = slack.shape[1]
    if k < n:
        cols = np.argpartition(slack, n - k, axis=1)[:, n - k :].ravel()
        rows = np.repeat(np.arange(len(slack)), k)
    else:
        rows, cols = (a.ravel() for a in np.indices(slack.shape))
    keep = slack[rows, cols] > 0
    return rows[keep], cols[keep]


def _best_per_row(found: list[tuple]) -> Edges:
    """At most ADD_PER_ROW violating edges per row, largest slack first (ties by volunteer)."""
    p, v, w, slack = (np.concatenate([f[i] for f in found]).astype(np.int64) for i in range(4))
    order = np.lexsort((v, -slack, p))
    p, v, w = p[order], v[order], w[order]
    rank = np.arange(len(p)) - np.searchsorted(p, p)
    keep = rank < ADD_PER_ROW
    return Edges(p[keep], v[keep], w[keep])
