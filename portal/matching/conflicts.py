"""Pair rules that need both sides: conflicts of interest and closed pairs.

Conflict hashes are keyed hashes (of firms, and of names on a do-not-match
list and the volunteers' own names): the engine compares them and never learns
what they stand for, so nothing it returns can say which one matched.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from .encoding import EncodedParticipants, EncodedVolunteers
from .reasons import Reason


def incidence(hash_sets: Sequence[frozenset[str]], ids: dict[str, int]) -> sparse.csr_array:
    """Records × hashes, 1 where a record carries a hash (hashes unknown to ``ids`` dropped)."""
    pairs = [(i, ids[h]) for i, hashes in enumerate(hash_sets) for h in hashes if h in ids]
    rows = np.fromiter((i for i, _ in pairs), dtype=np.int64, count=len(pairs))
    cols = np.fromiter((j for _, j in pairs), dtype=np.int64, count=len(pairs))
    data = np.ones(len(pairs), dtype=np.int32)
    return sparse.csr_array((data, (rows, cols)), shape=(len(hash_sets), max(1, len(ids))))


def pair_bits(
    P: EncodedParticipants,
    V: EncodedVolunteers,
    rows: np.ndarray | None = None,
    cols: np.ndarray | None = None,
) -> sparse.csr_array:
    """Failure bits of the pair-specific rules (conflict, change request), sparse.

    For all of P × V, or only ``rows`` × ``cols`` (indices into P and V). Volunteer
    hashes get integer ids once per pool; a participants × hashes incidence
    times the volunteers' hashes × volunteers incidence counts the shared hashes
    of every pair, touching only pairs that share something.
    """
    rows = np.arange(len(P)) if rows is None else np.asarray(rows, dtype=np.int64)
    ids, by_hash = V.hash_incidence
    position = np.arange(len(V))
    if cols is not None:
        by_hash = by_hash[:, cols]
        position = np.full(len(V), -1)
        position[cols] = np.arange(len(cols))
    conflict = (incidence([P.hashes[i] for i in rows], ids) @ by_hash).tocoo()
    where = V.index
    closed = [
        (k, position[where[v]])
        for k, i in enumerate(rows.tolist())
        for v in P.excluded[i]
        if v in where and position[where[v]] >= 0
    ]
    closed_rows = np.array([k for k, _ in closed], dtype=np.int64)
    closed_cols = np.array([j for _, j in closed], dtype=np.int64)
    bits = np.concatenate(
        [
            np.full(conflict.nnz, Reason.CONFLICT.bit, dtype=np.uint8),
            np.full(len(closed), Reason.CHANGE_REQUEST.bit, dtype=np.uint8),
        ]
    )
    # The two rules set different bits and each pair appears at most once per rule,
    # so summing duplicates is the same as OR-ing them.
    return sparse.csr_array(
        (bits, (np.concatenate([conflict.row, closed_rows]),
                np.concatenate([conflict.col, closed_cols]))),
        shape=(len(rows), by_hash.shape[1]),
    )  # fmt: skip
