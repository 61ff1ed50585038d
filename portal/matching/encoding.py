"""Records to arrays, once per pool, so that scoring is pure array arithmetic.

Sets of codes become bit masks (bit i for the i-th code of the vocabulary), a
single code becomes a small integer (0 for missing or unknown, i + 1 for the
i-th code), and each participant's preferences become a *class* number that
picks one row of a small per-criterion table (see ``scoring.py``). Volunteers
are sorted by id when encoded, so index order is id order and every tie in the
engine breaks by volunteer id without further work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from functools import cached_property, lru_cache

import numpy as np
from scipy import sparse

from portal import vocab

from . import eligibility
from .records import ParticipantRecord, VolunteerRecord

CONCERN_CODES = vocab.codes(vocab.CONCERNS)
BAND_CODES = vocab.codes(vocab.CAREER_BANDS)
LANGUAGE_CODES = vocab.codes(vocab.LANGUAGES)
GENDER_CODES = vocab.codes(vocab.GENDERS)

N_BANDS = len(BAND_CODES) + 1  # slot 0: unknown
# The program's own lists (``vocab.list_codes``): an entry's place is its bit + 1, fixed for
# ever, and the tables have room for every bit a list may ever use.
N_PRACTICES = vocab.LIST_WIDTH + 1
N_REGIONS = vocab.LIST_WIDTH + 1
N_LANGUAGES = len(LANGUAGE_CODES) + 1
N_GENDERS = len(GENDER_CODES) + 1

# Preference levels, as class multipliers (anything unknown is 0, no preference).
PRACTICE_LEVELS = {"same": 1, "different": 2}
REGION_LEVELS = {"same": 1, "outside": 2}
STRENGTH_LEVELS = {"preferred": 1, "required": 2}

PRIMARY_SHARE = 0.6  # part of the experience criterion earned by the primary concern


def _position(codes: Sequence[str]) -> dict[str, int]:
    return {code: i + 1 for i, code in enumerate(codes)}


BAND_AT = _position(BAND_CODES)
LANGUAGE_AT, GENDER_AT = _position(LANGUAGE_CODES), _position(GENDER_CODES)


@lru_cache(maxsize=8)
def _list_position(codes_by_bit: tuple[str | None, ...]) -> dict[str, int]:
    return {code: bit + 1 for bit, code in enumerate(codes_by_bit) if code is not None}


def list_position(name: str) -> dict[str, int]:
    """Place of each code of a program list as the engine encodes it (bit + 1; 0: unknown)."""
    return _list_position(vocab.list_codes(name))


def list_code(name: str, place: int) -> str:
    """The code at an encoded place of a program list (``list_position`` undone)."""
    return vocab.list_codes(name)[place - 1]


_BITS = {
    codes: {code: 1 << i for i, code in enumerate(codes)}
    for codes in (CONCERN_CODES, LANGUAGE_CODES)
}


@lru_cache(maxsize=1 << 16)
def _mask(codes: tuple[str, ...], selected: tuple[str, ...]) -> int:
    """Bit mask of the known codes in ``selected`` (as vocab.mask_of; the same few
    tuples recur across thousands of records, so results are cached)."""
    bits = _BITS[codes]
    mask = 0
    for code in selected:
        mask |= bits.get(code, 0)
    return mask


@dataclass(frozen=True)
class _Pool:
    """Arrays with one entry per record, plus the record ids and conflict hashes."""

    ids: tuple[str, ...]
    hashes: tuple[frozenset[str], ...]

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, index: np.ndarray):
        """The same pool restricted to (and reordered by) ``index``."""
        index = np.asarray(index, dtype=np.intp)
        changes = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, np.ndarray):
                changes[item.name] = value[index]
            elif isinstance(value, tuple):
                changes[item.name] = tuple(value[i] for i in index)
        return replace(self, **changes)


@dataclass(frozen=True)
class EncodedParticipants(_Pool):
    """Participants as arrays, in the order given."""

    excluded: tuple[frozenset[str], ...]
    concerns: np.ndarray  # uint32 mask of all concerns (primary included), for boundaries
    other: np.ndarray  # uint32 mask of concerns other than the primary
    primary: np.ndarray  # uint32 single bit of the primary concern, or 0
    exp_primary: np.ndarray  # float32 share of the experience criterion for the primary
    exp_each: np.ndarray  # float32 share for each other shared concern
    career_class: np.ndarray  # band + N_BANDS * wants_similar
    practice_class: np.ndarray  # practice + N_PRACTICES * level
    region_class: np.ndarray  # region + N_REGIONS * level
    gender_class: np.ndarray  # preferred gender + N_GENDERS * (0 none, 1 half, 2 full weight)
    language_class: np.ndarray  # preferred language + N_LANGUAGES * (0, 1 half, 2 full)
    preference_neutral: np.ndarray  # float32 0.5 when no preference is active, else 0
    availability: np.ndarray  # uint32 weekly grid
    required_language: np.ndarray  # uint16 languages of which one is required (eligibility)
    required_gender: np.ndarray  # uint8 bit of the required gender (eligibility)
    urgent: np.ndarray  # bool
    waiting: np.ndarray  # float64 seconds since epoch, inf when unknown

    def priority_order(self) -> np.ndarray:
        """Urgent first, then longest waiting, then id: the order intakes are served in."""
        ids = np.array(self.ids, dtype=object)
        return np.lexsort((ids, self.waiting, ~self.urgent)).astype(np.intp)


@dataclass(frozen=True)
class EncodedVolunteers(_Pool):
    """Volunteers as arrays, sorted by id."""

    experience: np.ndarray  # uint32 mask
    boundaries: np.ndarray  # uint32 mask
    band: np.ndarray  # intp 0..N_BANDS-1
    practice: np.ndarray
    region: np.ndarray
    gender: np.ndarray
    languages: np.ndarray  # uint16 mask, as the language rule reads it
    gender_bit: np.ndarray  # uint8 bit of the gender, as the gender rule reads it
    availability: np.ndarray  # uint32
    free: np.ndarray  # int64 places left
    free_share: np.ndarray  # float32 free / capacity, 0 when capacity is 0
    base_bits: np.ndarray  # uint8 failure bits of the rules that need no participant

    @cached_property
    def index(self) -> dict[str, int]:
        """Column of each volunteer id."""
        return {vid: i for i, vid in enumerate(self.ids)}

    @cached_property
    def hash_incidence(self) -> tuple[dict[str, int], sparse.csc_array]:
        """Ids of the volunteers' conflict hashes and a hashes × volunteers incidence.

        Built once per pool and reused by every participant scored against it.
        """
        ids = {h: i for i, h in enumerate(sorted(set().union(*self.hashes)))}
        return ids, eligibility.incidence(self.hashes, ids).T.tocsc()


def _participant_row(r: ParticipantRecord, practice_at: dict, region_at: dict) -> tuple:
    primary = _mask(CONCERN_CODES, (r.primary_concern,) if r.primary_concern else ())
    concerns = _mask(CONCERN_CODES, r.concerns) | primary
    other = concerns & ~primary
    n_other = other.bit_count()
    if primary:
        shares = (PRIMARY_SHARE, (1 - PRIMARY_SHARE) / n_other) if n_other else (1.0, 0.0)
    else:
        shares = (0.0, 1.0 / n_other) if n_other else (0.0, 0.0)
    gender_pref = STRENGTH_LEVELS.get(r.gender_pref, 0)
    language_pref = STRENGTH_LEVELS.get(r.language_pref, 0)
    wanted_gender = GENDER_AT.get(r.preferred_gender, 0) if gender_pref else 0
    wanted_language = LANGUAGE_AT.get(r.preferred_language, 0) if language_pref else 0
    active = (wanted_gender > 0) + (wanted_language > 0)
    weight_class = 2 if active == 1 else 1  # one active preference takes the whole criterion
    required = STRENGTH_LEVELS["required"]
    return (
        concerns,
        other,
        primary,
        *shares,
        BAND_AT.get(r.career_band, 0) + N_BANDS * r.career_pref_similar,
        practice_at.get(r.practice_area, 0) + N_PRACTICES * PRACTICE_LEVELS.get(r.practice_pref, 0),
        region_at.get(r.region, 0) + N_REGIONS * REGION_LEVELS.get(r.region_pref, 0),
        wanted_gender + N_GENDERS * (weight_class if wanted_gender else 0),
        wanted_language + N_LANGUAGES * (weight_class if wanted_language else 0),
        0.0 if active else 0.5,
        r.availability_mask,
        eligibility.required_languages(language_pref == required, wanted_language,
                                       _mask(LANGUAGE_CODES, r.languages)),
        eligibility.required_gender(gender_pref == required, wanted_gender),
        r.urgent,
        r.waiting_key(),
    )


_PARTICIPANT_DTYPES = (
    np.uint32, np.uint32, np.uint32, np.float32, np.float32, np.intp, np.intp, np.intp,
    np.intp, np.intp, np.float32, np.uint32, np.uint16, np.uint8, bool, np.float64,
)  # fmt: skip


def _columns(rows: list[tuple], dtypes: Sequence) -> list[np.ndarray]:
    if not rows:
        return [np.zeros(0, dtype=dtype) for dtype in dtypes]
    return [np.array(column, dtype=dtype) for column, dtype in zip(zip(*rows, strict=False), dtypes, strict=False)]


def encode_participants(records: Sequence[ParticipantRecord]) -> EncodedParticipants:
    """Encode participants once; the result can be scored against any volunteer pool."""
    at = list_position("practice_areas"), list_position("regions")
    columns = _columns([_participant_row(r, *at) for r in records], _PARTICIPANT_DTYPES)
    return EncodedParticipants(
        tuple(r.id for r in records),
        tuple(r.conflict_hashes for r in records),
        tuple(r.excluded_volunteer_ids for r in records),
        *columns,
    )


def _volunteer_row(r: VolunteerRecord, practice_at: dict, region_at: dict) -> tuple:
    capacity, free = max(0, r.capacity), r.free_capacity
    gender = GENDER_AT.get(r.gender, 0)
    return (
        _mask(CONCERN_CODES, r.experience),
        _mask(CONCERN_CODES, r.boundaries),
        BAND_AT.get(r.career_band, 0),
        practice_at.get(r.practice_area, 0),
        region_at.get(r.region, 0),
        gender,
        eligibility.spoken_languages(_mask(LANGUAGE_CODES, r.languages)),
        eligibility.gender_bit(gender),
        r.availability_mask,
        free,
        min(1.0, free / capacity) if capacity else 0.0,
        eligibility.volunteer_bits(r),
    )


_VOLUNTEER_DTYPES = (
    np.uint32, np.uint32, np.intp, np.intp, np.intp, np.intp, np.uint16, np.uint8,
    np.uint32, np.int64, np.float32, np.uint8,
)  # fmt: skip


def encode_volunteers(records: Sequence[VolunteerRecord]) -> EncodedVolunteers:
    """Encode volunteers once, sorted by id, for reuse across many participants."""
    records = sorted(records, key=lambda r: r.id)
    at = list_position("practice_areas"), list_position("regions")
    columns = _columns([_volunteer_row(r, *at) for r in records], _VOLUNTEER_DTYPES)
    return EncodedVolunteers(
        tuple(r.id for r in records), tuple(r.conflict_hashes for r in records), *columns
    )
