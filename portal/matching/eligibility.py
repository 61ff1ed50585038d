"""The hard rules, in one place: their reason codes, their order, and each rule once.

The same code serves the whole engine (arrays over a pool) and the last gate before
someone is asked (``engine.exclusions``: the same arrays for a pool of one), so the
suggestions, the plan, the offer, a manual match and the coordinator's page can never
disagree about who may be asked.

Reason numbers are stored and compared, so they never change; new rules take new
numbers. When several rules fail for one pair the first in this order is recorded, so
counts per reason add up to the number of excluded volunteers. Each failed rule sets one
bit (rule ``r`` sets bit ``r - 1``) and a 256-entry table turns the bits into the first.

Rules come in three shapes, by what they need:

- the volunteer alone (``VOLUNTEER_FACTS``): evaluated once per volunteer as the pool
  is encoded (several facts may share a reason: paused and away are one rule);
- one mask of each side (``MASK_RULES``): an AND per pair, over blocks of pairs;
- who the two are (``pair_bits``): conflict hashes and earlier askings, sparse, since
  few pairs fail them.

Adding a rule: a new ``Reason``, its test in one of the three places, the record field it
reads, and its words in ``portal/services/matching_words.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from .rules import (
    EXCLUSIONS,
    FACT_REASONS,
    VOLUNTEER_FACTS,
    Reason,
    fails,
    volunteer_bits,
    volunteer_failures,
)

__all__ = ["EXCLUSIONS", "FACT_REASONS", "VOLUNTEER_FACTS", "Reason", "volunteer_bits",
           "volunteer_failures"]  # defined in ``rules``, read here with the other rules

if TYPE_CHECKING:
    from .encoding import EncodedParticipants, EncodedVolunteers


def _first_reason_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.int8)
    for bits in range(1, 256):
        table[bits] = (bits & -bits).bit_length()  # position of the lowest set bit, from 1
    return table


# FIRST_REASON[failure_bits] is the Reason value of the first rule that failed.
FIRST_REASON = _first_reason_table()


def first_reason(bits: np.ndarray) -> np.ndarray:
    """Reason codes (int8) from failure bit masks (uint8), elementwise."""
    return FIRST_REASON[bits]


# ---------------------------------------------------------------- the volunteer alone
# The facts themselves are in ``rules`` (no NumPy, so the web can read them).

def volunteer_bits_of(columns) -> np.ndarray:
    """``volunteer_bits`` for a whole pool at once: ``columns`` has one array per fact read."""
    bits = np.zeros(len(columns.free_capacity), dtype=np.uint8)
    for _fact, reason, field, failing in VOLUNTEER_FACTS:
        bits[np.asarray(fails(columns, field, failing), dtype=bool)] |= np.uint8(reason.bit)
    return bits


# ---------------------------------------------------------------- one mask of each side

# A participant with no requirement carries a bit every volunteer has, so one AND
# tells "requirement met" without a per-participant branch.
LANGUAGE_ANY = 1 << 15
GENDER_ANY = 1 << 7


def required_languages(required: bool, wanted: int, mine: int) -> int:
    """Languages of which the volunteer must speak one: the one asked for (position from 1),
    else any of the participant's own (mask); LANGUAGE_ANY when nothing is required."""
    if not required:
        return LANGUAGE_ANY
    return (1 << wanted - 1 if wanted else mine) or LANGUAGE_ANY


def required_gender(required: bool, wanted: int) -> int:
    """The bit of the gender asked for (position from 1), or GENDER_ANY."""
    return 1 << wanted if required and wanted else GENDER_ANY


def spoken_languages(mask: int) -> int:
    """The volunteer's languages as the language rule reads them."""
    return mask | LANGUAGE_ANY


def gender_bit(position: int) -> int:
    """The volunteer's gender (position from 1, 0 unknown) as the gender rule reads it."""
    return (1 << position if position else 0) | GENDER_ANY


# (rule, participant array, volunteer array, fails when the AND is: nonzero / zero)
MASK_RULES = (
    (Reason.BOUNDARY, "concerns", "boundaries", np.not_equal),  # a concern in the boundaries
    (Reason.LANGUAGE, "required_language", "languages", np.equal),  # no required language
    (Reason.GENDER, "required_gender", "gender_bit", np.equal),  # not the required gender
)
_MASK_DTYPES = {"concerns": np.uint32, "required_language": np.uint16, "required_gender": np.uint8}
# The volunteer arrays the rules read, for code that slices a pool's columns.
RULE_ARRAYS = ("base_bits", *(theirs for _reason, _mine, theirs, _failed in MASK_RULES))


def block_failures(P: EncodedParticipants, rows: slice, V, pairs: sparse.csr_array,
                   scratch: dict | None = None) -> np.ndarray:
    """Failure bits (uint8) of every rule for rows × the volunteers of ``V``.

    ``V`` is a pool or a column slice of one (with the arrays ``MASK_RULES`` name and
    ``base_bits``); ``pairs`` holds ``pair_bits`` of exactly these rows and columns.
    ``scratch`` buffers of the block's shape may be passed to save allocations.
    """
    shape = (rows.stop - rows.start, len(V.base_bits))
    scratch = scratch if scratch is not None else {}
    flag, u8 = _buffer(scratch, bool, shape), _buffer(scratch, np.uint8, shape)
    fails = np.empty(shape, dtype=np.uint8)
    fails[:] = V.base_bits
    for reason, mine, theirs, failed in MASK_RULES:
        buffer = _buffer(scratch, _MASK_DTYPES[mine], shape)
        np.bitwise_and(getattr(P, mine)[rows, None], getattr(V, theirs), out=buffer)
        failed(buffer, 0, out=flag)
        np.left_shift(flag.view(np.uint8), reason.value - 1, out=u8)
        fails |= u8
    local = np.repeat(np.arange(shape[0]), np.diff(pairs.indptr))
    fails[local, pairs.indices] |= pairs.data
    return fails


def _buffer(scratch: dict, dtype, shape: tuple[int, int]) -> np.ndarray:
    """The caller's scratch array of this dtype, or a new one (kept for the other rules)."""
    name = np.dtype(dtype).name
    if name not in scratch:
        scratch[name] = np.empty(shape, dtype=dtype)
    return scratch[name]


# ---------------------------------------------------------------- who the two are

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
    """Failure bits of the rules on who the two are (conflict, asked before), sparse.

    Conflict hashes are keyed hashes (of firms, of names on a do-not-match list and of the
    volunteers' own names): compared, never understood, so nothing can say which matched.
    For all of P × V, or only ``rows`` × ``cols`` (indices into P and V). A participants ×
    hashes incidence times the volunteers' hashes × volunteers incidence counts the shared
    hashes of every pair, touching only pairs that share something.
    """
    rows = np.arange(len(P)) if rows is None else np.asarray(rows, dtype=np.int64)
    ids, by_hash = V.hash_incidence
    position = np.arange(len(V))
    if cols is not None:
        by_hash = by_hash[:, cols]
        position = np.full(len(V), -1)
        position[cols] = np.arange(len(cols))
    shape = (len(rows), by_hash.shape[1])
    # The product counts shared hashes per pair; as a CSR array it already is the
    # conflict rule's sparse bits once its counts are replaced by the rule's bit.
    conflict = sparse.csr_array(incidence([P.hashes[i] for i in rows], ids) @ by_hash)
    bits = sparse.csr_array(
        (np.full(conflict.nnz, Reason.CONFLICT.bit, dtype=np.uint8), conflict.indices,
         conflict.indptr), shape=shape,
    )  # fmt: skip
    where = V.index
    asked = [
        (k, position[where[v]])
        for k, i in enumerate(rows.tolist())
        for v in P.excluded[i]
        if v in where and position[where[v]] >= 0
    ]
    if not asked:
        return bits
    asked_rows, asked_cols = (np.array(a, dtype=np.int64) for a in zip(*asked, strict=True))
    again = np.full(len(asked), Reason.CHANGE_REQUEST.bit, dtype=np.uint8)
    # The two rules set different bits and each pair appears at most once per rule,
    # so summing the two arrays is the same as OR-ing them.
    return bits + sparse.csr_array((again, (asked_rows, asked_cols)), shape=shape)
