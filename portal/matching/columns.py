"""A volunteer pool given as columns (one entry per volunteer, straight from the database),
encoded with array operations only: the same arrays ``encoding.encode_volunteers`` makes of
records, without building a record per volunteer."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from types import SimpleNamespace

import numpy as np

from . import eligibility
from .encoding import (
    BAND_AT,
    CONCERN_CODES,
    GENDER_AT,
    LANGUAGE_CODES,
    N_GENDERS,
    EncodedVolunteers,
    list_position,
)
from .records import AVAILABILITY_BITS

CONCERN_BITS = (1 << len(CONCERN_CODES)) - 1
LANGUAGE_BITS = (1 << len(LANGUAGE_CODES)) - 1
_GENDER_BITS = np.array([eligibility.gender_bit(g) for g in range(N_GENDERS)], dtype=np.uint8)


def _positions(at: dict[str, int], values: Sequence) -> np.ndarray:
    return np.fromiter(map(at.get, values, repeat(0)), dtype=np.intp, count=len(values))


def equals(values: Sequence, value) -> np.ndarray:
    """Which entries equal ``value`` (bool array)."""
    return np.array(values, dtype=object) == value


def all_given(*columns: Sequence) -> np.ndarray:
    """Which entries are given (truthy) in every column: no None, empty text, zero or False."""
    given = np.ones(len(columns[0]), dtype=bool)
    for values in columns:
        given &= np.array(values, dtype=object).astype(bool)
    return given


def away_on(away_from: Sequence, away_until: Sequence, day) -> np.ndarray:
    """``VolunteerProfile.is_away_on(day)`` for columns of dates (dates, ISO text or None)."""
    day = np.datetime64(day, "D")
    start, end = (np.array(values, dtype="datetime64[D]") for values in (away_from, away_until))
    return ~np.isnat(start) & (start <= day) & (np.isnat(end) | (day <= end))


def lapsed_by(approved_until: Sequence, day) -> np.ndarray:
    """``approvals.has_lapsed(until, day)`` for a column of dates (dates, ISO text or None)."""
    end = np.array(approved_until, dtype="datetime64[D]")
    return ~np.isnat(end) & (end < np.datetime64(day, "D"))


def encode_volunteer_columns(
    ids: Sequence[str], hashes: Sequence[frozenset[str]], *, experience, boundaries,
    career_band, practice_area, region, languages, gender, availability, capacity, active_load,
    is_active_trained, is_complete, is_paused, is_away, is_lapsed,
) -> EncodedVolunteers:
    """``encoding.encode_volunteers`` for a pool given as columns (one entry per volunteer, any order).

    Masks are bit masks in vocabulary order (as ``vocab.mask_of`` makes them), codes are
    strings or None; every step is an array operation, so a pool of 10,000 loaded straight
    from the database encodes in milliseconds, exactly as its records would.
    """
    order = np.argsort(np.array(ids, dtype=str), kind="stable")

    def column(values, dtype) -> np.ndarray:
        return np.asarray(values, dtype=dtype).reshape(len(ids))[order]

    def codes(at, values) -> np.ndarray:
        return _positions(at, list(values))[order]

    grid = column(availability, np.int64)
    capacity = np.maximum(column(capacity, np.int64), 0)
    free = np.maximum(capacity - np.maximum(column(active_load, np.int64), 0), 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        free_share = np.where(capacity > 0, np.minimum(1.0, free / np.maximum(capacity, 1)), 0.0)
    facts = SimpleNamespace(
        is_active_trained=column(is_active_trained, bool), is_complete=column(is_complete, bool),
        is_paused=column(is_paused, bool), is_away=column(is_away, bool),
        is_lapsed=column(is_lapsed, bool), free_capacity=free,
    )
    gender_at = codes(GENDER_AT, gender)
    return EncodedVolunteers(
        tuple(ids[i] for i in order), tuple(hashes[i] for i in order),
        experience=(column(experience, np.int64) & CONCERN_BITS).astype(np.uint32),
        boundaries=(column(boundaries, np.int64) & CONCERN_BITS).astype(np.uint32),
        band=codes(BAND_AT, career_band),
        practice=codes(list_position("practice_areas"), practice_area),
        region=codes(list_position("regions"), region), gender=gender_at,
        languages=eligibility.spoken_languages(column(languages, np.int64) & LANGUAGE_BITS)
        .astype(np.uint16),
        gender_bit=_GENDER_BITS[gender_at],
        availability=np.where(grid > 0, grid & AVAILABILITY_BITS, 0).astype(np.uint32),
        free=free.astype(np.int64), free_share=free_share.astype(np.float32),
        base_bits=eligibility.volunteer_bits_of(facts),
    )
