"""Vectorised scores (and the hard rules of ``eligibility``) for blocks of participants × a pool.

Criteria (each a fraction 0..1 times its normalised points; see ``Weights``):

- experience: the participant's primary concern in the volunteer's lived
  experience earns 60% of the criterion, the other concerns share the other 40%
  equally; with no primary, all concerns share it; with one concern, it is all.
- career_stage: only when the participant asks for a similar stage. Same band or
  one band further along: 1; each band further off: -0.4 (0.6, 0.2, 0).
  No preference, or a band unknown on either side: a neutral 0.5.
- practice_area / region: 1 when the wish (same, or different / outside) is met,
  0 when not; no preference or unknown on either side: 0.5.
- availability: shared cells of the weekly grid, saturating at 3 (1/3 each).
  A participant who gave no availability gets a neutral 0.5.
- preferences: each gender or language preference the participant expressed
  (preferred, or required, which among eligible pairs is always met) is an equal
  part; met 1, not met 0; nothing expressed: 0.5.
- load_balance: the volunteer's free share of capacity.

Neutral values are 0.5, not 1: they do not change who a participant is
offered, and in the global plan they keep participants without a wish from
crowding out those whose wish can be met. Scores are float32 points 0..100;
``to_units`` rounds them to integer thousandths for ordering and the solvers.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import sparse

from .eligibility import RULE_ARRAYS, block_failures
from .encoding import (
    N_BANDS,
    N_GENDERS,
    N_LANGUAGES,
    N_PRACTICES,
    N_REGIONS,
    EncodedParticipants,
    EncodedVolunteers,
)  # fmt: skip
from .records import CRITERIA, Weights

UNITS_PER_POINT = 1000
SATURATION_CELLS = 3
BLOCK_PAIRS = 1 << 18  # pairs per block: keeps the temporaries in cache
_LEVEL_WEIGHT = np.array([0.0, 0.5, 1.0], dtype=np.float32)


def to_units(points: np.ndarray) -> np.ndarray:
    """Integer thousandths of a point (int32), so ties and totals compare exactly.

    Rounded in float32 arithmetic, the same way on every path (suggest, plan,
    baselines), so a pair always gets the same units.
    """
    scaled = np.asarray(points, dtype=np.float32) * np.float32(UNITS_PER_POINT)
    return np.rint(scaled).astype(np.int32)


def _career_table() -> np.ndarray:
    """Rows: participant band + N_BANDS * wants_similar; columns: volunteer band."""
    table = np.full((2 * N_BANDS, N_BANDS), 0.5)
    for mine in range(1, N_BANDS):
        for theirs in range(1, N_BANDS):
            ahead = theirs - mine
            gap = 0 if ahead in (0, 1) else (ahead - 1 if ahead > 1 else -ahead)
            table[N_BANDS + mine, theirs] = max(0.0, 1.0 - 0.4 * gap)
    return table


def _wish_table(size: int) -> np.ndarray:
    """Rows: participant code + size * level (none, same, different); columns: volunteer code."""
    table = np.full((3 * size, size), 0.5)
    same = np.eye(size - 1)
    table[size + 1 : 2 * size, 1:] = same
    table[2 * size + 1 :, 1:] = 1.0 - same
    return table


def _gender_table() -> np.ndarray:
    """Rows: preferred gender + N_GENDERS * level weight class; 1 where met (weighted)."""
    met = np.zeros((3 * N_GENDERS, N_GENDERS))
    for level in (1, 2):
        for gender in range(1, N_GENDERS):
            met[level * N_GENDERS + gender, gender] = _LEVEL_WEIGHT[level]
    return met


CAREER, PRACTICE, REGION = _career_table(), _wish_table(N_PRACTICES), _wish_table(N_REGIONS)
GENDER_MET = _gender_table()
AVAILABILITY = np.minimum(np.arange(33), SATURATION_CELLS) / SATURATION_CELLS


class Scorer:
    """Scores participants against one volunteer pool under one set of weights.

    Built once per pool and weights (cheap: small tables); then ``score_rows``
    is pure array work. Each thread gets its own scratch buffers.
    """

    def __init__(self, V: EncodedVolunteers, weights: Weights) -> None:
        self.V, self.weights = V, weights
        self.points = weights.points()
        pts = {name: np.float32(self.points[name]) for name in CRITERIA}
        self.career = (CAREER * pts["career_stage"]).astype(np.float32)
        self.practice = (PRACTICE * pts["practice_area"]).astype(np.float32)
        self.region = (REGION * pts["region"]).astype(np.float32)
        self.gender = (GENDER_MET * pts["preferences"]).astype(np.float32)
        self.availability = (AVAILABILITY * pts["availability"]).astype(np.float32)
        self.pts = pts
        self.key1 = V.band * N_PRACTICES + V.practice
        self.key2 = V.region * N_GENDERS + V.gender
        self.language = self._language_rows(with_load=False)
        self.language_and_load = self._language_rows(with_load=True)
        self._local = threading.local()

    def _language_rows(self, with_load: bool) -> np.ndarray:
        """Rows: preferred language + N_LANGUAGES * weight class; one column per volunteer."""
        speaks = np.zeros((N_LANGUAGES, len(self.V)), dtype=np.float32)
        for language in range(1, N_LANGUAGES):
            speaks[language] = (self.V.languages >> (language - 1)) & 1
        rows = (_LEVEL_WEIGHT[:, None, None] * speaks[None]).reshape(3 * N_LANGUAGES, -1)
        rows = rows * self.pts["preferences"]
        if with_load:
            rows = rows + self.pts["load_balance"] * self.V.free_share[None, :]
        return rows.astype(np.float32)

    def block_rows(self) -> int:
        """Participants per block for this pool size."""
        return max(1, BLOCK_PAIRS // max(1, len(self.V)))

    def _scratch(self, shape: tuple[int, int]) -> dict[str, np.ndarray]:
        cache = getattr(self._local, "scratch", None)
        if cache is None or cache["f32"].shape != shape:
            cache = {
                dtype.__name__: np.empty(shape, dtype=dtype)
                for dtype in (np.float32, np.uint32, np.uint16, np.uint8)
            }
            cache["f32"], cache["bool"] = cache["float32"], np.empty(shape, dtype=bool)
            self._local.scratch = cache
        return cache

    def score_rows(
        self,
        P: EncodedParticipants,
        start: int,
        stop: int,
        bits: sparse.csr_array,
        n_cols: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Total points (float32) and failure bits (uint8) of rows start:stop × volunteers.

        ``bits`` holds the pair rules (``encoding.pair_bits``) of exactly these
        rows (and columns); ``n_cols`` limits the block to the first volunteers.
        """
        rows, cols = slice(start, stop), slice(0, len(self.V) if n_cols is None else n_cols)
        V = _Columns(self.V, cols)
        total = np.empty((stop - start, cols.stop), dtype=np.float32)
        s = self._scratch(total.shape)
        f32, u32, u8 = s["f32"], s["uint32"], s["uint8"]
        rates = self.language_and_load[:, cols]
        np.take(rates, P.language_class[rows], axis=0, out=total, mode="clip")
        self._add_table(total, f32, self._table1(P, rows), self.key1[cols])
        self._add_table(total, f32, self._table2(P, rows), self.key2[cols])
        for mask, share in ((P.other, P.exp_each), (P.primary, P.exp_primary)):
            np.bitwise_and(mask[rows, None], V.experience, out=u32)
            np.bitwise_count(u32, out=u8)
            np.multiply(u8, (share[rows] * self.pts["experience"])[:, None], out=f32)
            total += f32
        np.bitwise_and(P.availability[rows, None], V.availability, out=u32)
        np.bitwise_count(u32, out=u8)
        np.take(self.availability, u8, out=f32, mode="clip")
        total += f32
        return total, block_failures(P, rows, V, bits, s)

    def _table1(self, P: EncodedParticipants, rows: slice) -> np.ndarray:
        """Career stage + practice area, by (volunteer band, practice) combination."""
        both = self.career[P.career_class[rows], :, None] + self.practice[
            P.practice_class[rows], None, :
        ]
        return both.reshape(len(both), -1)

    def _table2(self, P: EncodedParticipants, rows: slice) -> np.ndarray:
        """Region + gender preference + the row's neutral constants, by (region, gender)."""
        both = self.region[P.region_class[rows], :, None] + self.gender[
            P.gender_class[rows], None, :
        ]
        return both.reshape(len(both), -1) + self._neutral(P, rows)[:, None]

    def _neutral(self, P: EncodedParticipants, rows: slice) -> np.ndarray:
        unknown_grid = (P.availability[rows] == 0).astype(np.float32)
        return (
            P.preference_neutral[rows] * self.pts["preferences"]
            + unknown_grid * np.float32(0.5) * self.pts["availability"]
        ).astype(np.float32)

    @staticmethod
    def _add_table(total: np.ndarray, out: np.ndarray, table: np.ndarray, key: np.ndarray):
        np.take(table, key, axis=1, out=out, mode="clip")
        total += out

    def criteria(self, P: EncodedParticipants, start: int, stop: int) -> dict[str, np.ndarray]:
        """Points per criterion (float32 [rows, volunteers]): the breakdown, one by one."""
        rows, V, pts = slice(start, stop), self.V, self.pts
        exp = np.zeros((stop - start, len(V)), dtype=np.float32)
        for mask, share in ((P.other, P.exp_each), (P.primary, P.exp_primary)):
            shared = np.bitwise_count(np.bitwise_and(mask[rows, None], V.experience))
            exp += shared * (share[rows] * pts["experience"])[:, None]
        grid = np.bitwise_count(np.bitwise_and(P.availability[rows, None], V.availability))
        unknown_grid = (P.availability[rows] == 0)[:, None] * np.float32(0.5)
        preferences = (
            self.language[P.language_class[rows]]
            + self.gender[P.gender_class[rows]][:, V.gender]
            + (P.preference_neutral[rows] * pts["preferences"])[:, None]
        )
        return {
            "experience": exp,
            "career_stage": self.career[P.career_class[rows]][:, V.band],
            "practice_area": self.practice[P.practice_class[rows]][:, V.practice],
            "availability": self.availability[grid] + unknown_grid * pts["availability"],
            "region": self.region[P.region_class[rows]][:, V.region],
            "preferences": preferences,
            "load_balance": np.broadcast_to(
                pts["load_balance"] * V.free_share, (stop - start, len(V))
            ),
        }


class _Columns:
    """The volunteer arrays a block needs, limited to a column slice (views, no copies)."""

    def __init__(self, V: EncodedVolunteers, cols: slice) -> None:
        for name in ("experience", "availability", *RULE_ARRAYS):
            setattr(self, name, getattr(V, name)[cols])


def workers() -> int:
    """Threads for block scoring: NumPy releases the GIL, so one per core (at most 4)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def _scored(scorer: Scorer, P, bits, start: int, stop: int) -> tuple:
    return (start, stop, *scorer.score_rows(P, start, stop, bits[start:stop]))


def iter_blocks(
    scorer: Scorer,
    P: EncodedParticipants,
    bits: sparse.csr_array,
    then: Callable[..., tuple] | None = None,
) -> Iterator[tuple]:
    """(start, stop, total, failures) for consecutive row blocks, in order.

    Blocks are scored by a small thread pool a few blocks ahead of the consumer,
    never more, so memory stays at a few blocks whatever the pool sizes. ``then``,
    if given, post-processes each block in the same worker thread and its result
    is yielded instead (NumPy releases the GIL, so that work runs in parallel too).
    """
    step = scorer.block_rows()
    ranges = [(start, min(start + step, len(P))) for start in range(0, len(P), step)]

    def work(start: int, stop: int) -> tuple:
        block = _scored(scorer, P, bits, start, stop)
        return then(*block) if then else block

    n_workers = workers()
    if n_workers == 1 or len(ranges) <= 1:
        yield from (work(start, stop) for start, stop in ranges)
        return
    with ThreadPoolExecutor(n_workers) as pool:
        pending: deque = deque()
        for start, stop in ranges:
            pending.append(pool.submit(work, start, stop))
            if len(pending) > 2 * n_workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
