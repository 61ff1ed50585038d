"""Plain records the app builds from its rows, and the admin's weights.

The engine never sees a model, a session or a request: the app turns each
participant (intake) and volunteer into one frozen record, and the engine works
on those alone. Records are lenient on purpose: unknown codes, missing values,
empty languages, zero availability or a capacity of 0 are all accepted, because
real intake data is messy and a score must never crash or come out NaN.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Literal

from portal import vocab

AVAILABILITY_BITS = (1 << vocab.AVAILABILITY_CELLS) - 1  # Monday morning = bit 0

GenderPref = Literal["none", "preferred", "required"]
PracticePref = Literal["none", "same", "different"]
RegionPref = Literal["none", "same", "outside"]
LanguagePref = Literal["none", "preferred", "required"]


def _tuple(values: Iterable[object] | str | None) -> tuple[str, ...]:
    """Codes from a list, set, single code or None; non-codes dropped, sets sorted for stability."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    try:
        codes = tuple(c for c in values if _code(c))
    except TypeError:  # not iterable
        return ()
    return tuple(sorted(codes)) if isinstance(values, (set, frozenset)) else codes


def _frozenset(values: Iterable[object] | str | None) -> frozenset[str]:
    if isinstance(values, str):
        return frozenset((values,))
    try:
        return frozenset(str(value) for value in values or () if value is not None)
    except TypeError:  # not iterable
        return frozenset()


def _code(value: object) -> str | None:
    """A code, or None for anything that is not a non-empty string."""
    return value if isinstance(value, str) and value else None


def as_flag(value: object) -> bool:
    """True only for true-like values (True, 1, "true", "yes"); anything else is False."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    try:
        return bool(value == 1)  # True, 1 and NumPy's True alike
    except (TypeError, ValueError):
        return False


def _normalise(record: object, codes: tuple[str, ...], multi: tuple[str, ...],
               sets: tuple[str, ...], flags: tuple[str, ...], ints: tuple[str, ...]) -> None:
    """Coerce a record's fields in place (frozen dataclass), so every consumer sees clean types."""
    for name in codes:
        object.__setattr__(record, name, _code(getattr(record, name)))
    for name in multi:
        object.__setattr__(record, name, _tuple(getattr(record, name)))
    for name in sets:
        object.__setattr__(record, name, _frozenset(getattr(record, name)))
    for name in flags:
        object.__setattr__(record, name, as_flag(getattr(record, name)))
    for name in ints:
        object.__setattr__(record, name, _int(getattr(record, name)))


@dataclass(frozen=True)
class ParticipantRecord:
    """One waiting intake, as the engine needs it (codes only, never names or free text)."""

    id: str
    concerns: tuple[str, ...] = ()
    primary_concern: str | None = None
    career_band: str | None = None
    practice_area: str | None = None
    region: str | None = None
    languages: tuple[str, ...] = ()
    gender: str | None = None
    gender_pref: GenderPref = "none"
    preferred_gender: str | None = None
    practice_pref: PracticePref = "none"
    career_pref_similar: bool = False
    region_pref: RegionPref = "none"
    language_pref: LanguagePref = "none"
    preferred_language: str | None = None
    availability_mask: int = 0
    urgent: bool = False
    waiting_since: float | datetime | None = None
    # Keyed hashes of the participant's firms and of their do-not-match names.
    conflict_hashes: frozenset[str] = frozenset()
    # Volunteers of past pairs closed by a change request: never suggested again.
    excluded_volunteer_ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", str(self.id))
        _normalise(
            self,
            codes=("primary_concern", "career_band", "practice_area", "region", "gender",
                   "gender_pref", "preferred_gender", "practice_pref", "region_pref",
                   "language_pref", "preferred_language"),
            multi=("concerns", "languages"),
            sets=("conflict_hashes", "excluded_volunteer_ids"),
            flags=("career_pref_similar", "urgent"),
            ints=("availability_mask",),
        )  # fmt: skip
        object.__setattr__(self, "availability_mask", _grid(self.availability_mask))

    def waiting_key(self) -> float:
        """Seconds since the epoch the intake has waited from (unknown waits last)."""
        return waiting_seconds(self.waiting_since)


@dataclass(frozen=True)
class VolunteerRecord:
    """One volunteer, as the engine needs it."""

    id: str
    experience: tuple[str, ...] = ()
    boundaries: tuple[str, ...] = ()
    career_band: str | None = None
    practice_area: str | None = None
    region: str | None = None
    languages: tuple[str, ...] = ()
    gender: str | None = None
    availability_mask: int = 0
    capacity: int = 0
    active_load: int = 0
    is_active_trained: bool = False
    is_complete: bool = True  # the profile has every answer matching needs
    is_paused: bool = False
    is_away: bool = False
    # The approval's valid-until day has passed (the app compares it with the program's today);
    # the day itself rides along for the words, never for a rule.
    is_lapsed: bool = False
    approved_until: date | None = None
    # Keyed hashes of current and former firms and of the volunteer's own name.
    conflict_hashes: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", str(self.id))
        _normalise(
            self,
            codes=("career_band", "practice_area", "region", "gender"),
            multi=("experience", "boundaries", "languages"),
            sets=("conflict_hashes",),
            flags=("is_active_trained", "is_complete", "is_paused", "is_away", "is_lapsed"),
            ints=("availability_mask", "capacity", "active_load"),
        )
        object.__setattr__(self, "availability_mask", _grid(self.availability_mask))
        if not isinstance(self.approved_until, date):
            object.__setattr__(self, "approved_until", None)

    @property
    def free_capacity(self) -> int:
        """Places left (never negative, whatever the stored numbers say)."""
        return max(0, self.capacity - max(0, self.active_load))


def _int(value: object) -> int:
    """An int, or 0 for anything that is not a finite whole number (bools count as numbers)."""
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return 0


def _grid(mask: int) -> int:
    """A weekly availability mask: negative nonsense is empty, extra bits are dropped."""
    return mask & AVAILABILITY_BITS if mask > 0 else 0


def waiting_seconds(value: float | datetime | None) -> float:
    """A sortable number for a waiting time; None or nonsense sorts last."""
    if isinstance(value, datetime):
        return value.timestamp()
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.inf
    return number if math.isfinite(number) else math.inf


CRITERIA = (
    "experience",
    "career_stage",
    "practice_area",
    "availability",
    "region",
    "preferences",
    "load_balance",
)


@dataclass(frozen=True)
class Weights:
    """Relative weight of each criterion (DESIGN.md defaults).

    Only the ratios matter: scores are normalised so the best possible total is
    100 whatever the weights add up to. All zeros is allowed and scores every pair 0.
    """

    experience: float = 35.0
    career_stage: float = 15.0
    practice_area: float = 10.0
    availability: float = 15.0
    region: float = 10.0
    preferences: float = 10.0
    load_balance: float = 5.0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"weight {item.name} must be a number")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"weight {item.name} must be finite and not negative")
            object.__setattr__(self, item.name, float(value))

    @classmethod
    def from_mapping(cls, values: Mapping[str, object] | None) -> Weights:
        """Weights from admin settings: missing keys keep their default, unknown are refused."""
        values = dict(values or {})
        unknown = sorted(set(values) - set(CRITERIA))
        if unknown:
            raise ValueError(f"unknown criteria: {', '.join(unknown)}")
        parsed: dict[str, float] = {}
        for name, raw in values.items():
            if isinstance(raw, bool):
                raise ValueError(f"weight {name} must be a number")
            try:
                parsed[name] = float(raw)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise ValueError(f"weight {name} must be a number") from None
        return cls(**parsed)

    def as_dict(self) -> dict[str, float]:
        """The weights by criterion key, in display order."""
        return {name: getattr(self, name) for name in CRITERIA}

    def points(self) -> dict[str, float]:
        """Points each criterion is worth once normalised to a total of 100."""
        raw = self.as_dict()
        total = sum(raw.values())
        if total <= 0:
            return dict.fromkeys(CRITERIA, 0.0)
        return {name: 100.0 * value / total for name, value in raw.items()}


__all__ = [
    "CRITERIA",
    "ParticipantRecord",
    "VolunteerRecord",
    "Weights",
    "waiting_seconds",
]
