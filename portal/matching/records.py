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
from datetime import datetime
from typing import Literal

GenderPref = Literal["none", "preferred", "required"]
PracticePref = Literal["none", "same", "different"]
RegionPref = Literal["none", "same", "outside"]
LanguagePref = Literal["none", "preferred", "required"]


def _tuple(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """A tuple of codes from a list, set, single code or None (a set is sorted for stability)."""
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    if isinstance(values, (set, frozenset)):
        return tuple(sorted(values))
    return tuple(values)


def _frozenset(values: Iterable[str] | None) -> frozenset[str]:
    return frozenset(values or ())


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
        object.__setattr__(self, "concerns", _tuple(self.concerns))
        object.__setattr__(self, "languages", _tuple(self.languages))
        object.__setattr__(self, "conflict_hashes", _frozenset(self.conflict_hashes))
        object.__setattr__(
            self, "excluded_volunteer_ids", frozenset(map(str, self.excluded_volunteer_ids or ()))
        )

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
    is_paused: bool = False
    is_away: bool = False
    # Keyed hashes of current and former firms and of the volunteer's own name.
    conflict_hashes: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", str(self.id))
        object.__setattr__(self, "experience", _tuple(self.experience))
        object.__setattr__(self, "boundaries", _tuple(self.boundaries))
        object.__setattr__(self, "languages", _tuple(self.languages))
        object.__setattr__(self, "conflict_hashes", _frozenset(self.conflict_hashes))

    @property
    def free_capacity(self) -> int:
        """Places left (never negative, whatever the stored numbers say)."""
        return max(0, _int(self.capacity) - max(0, _int(self.active_load)))


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return 0


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
        """Weights from admin settings; missing keys keep their default, unknown keys are refused."""
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
            return {name: 0.0 for name in CRITERIA}
        return {name: 100.0 * value / total for name, value in raw.items()}


__all__ = [
    "CRITERIA",
    "ParticipantRecord",
    "VolunteerRecord",
    "Weights",
    "waiting_seconds",
]
