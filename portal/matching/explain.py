"""Why a pair fits, as facts in codes, strongest first; the app puts them into words.

Built from the encoded pools, so a suggestion can be explained without going back to the
database. Only facts that speak *for* a pair are given; a neutral criterion (no
preference, unknown data) says nothing. Conflicts are never explained here at all: an
excluded pair only ever carries its reason code (``eligibility.Reason.CONFLICT``), never
which firm or name matched. The words live in ``portal/services/matching_words.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from portal import vocab

from .eligibility import GENDER_ANY, LANGUAGE_ANY
from .encoding import (
    CONCERN_CODES,
    GENDER_CODES,
    LANGUAGE_CODES,
    N_BANDS,
    N_GENDERS,
    N_LANGUAGES,
    N_PRACTICES,
    N_REGIONS,
    EncodedParticipants,
    EncodedVolunteers,
    list_code,
)  # fmt: skip
from .records import CRITERIA

PART_CODES = vocab.codes(vocab.PARTS_OF_DAY)


@dataclass(frozen=True)
class Fact:
    """One thing that speaks for a pair: what (``kind``), the codes it names, a count.

    Facts of one criterion read as one reason (gender and language both met, say).
    """

    criterion: str
    kind: str
    codes: tuple[str, ...] = ()
    count: int = 0


def _codes(codes: tuple[str, ...], mask: int) -> tuple[str, ...]:
    return tuple(code for i, code in enumerate(codes) if mask >> i & 1)


def _experience(P, i, V, j) -> list[Fact]:
    primary = int(P.primary[i]) & int(V.experience[j])
    other = int(P.other[i]) & int(V.experience[j])
    shared = _codes(CONCERN_CODES, primary) + _codes(CONCERN_CODES, other)
    return [Fact("experience", "shared_experience", shared)] if shared else []


_AHEAD = {0: "same_stage", 1: "a_little_ahead"}


def _career(P, i, V, j) -> list[Fact]:
    wants, mine = divmod(int(P.career_class[i]), N_BANDS)
    theirs = int(V.band[j])
    if not (wants and mine and theirs) or abs(theirs - mine - 0.5) > 1.5:
        return []
    ahead = theirs - mine
    kind = _AHEAD.get(ahead, "further_ahead" if ahead > 1 else "a_little_behind")
    return [Fact("career_stage", kind)]


def _practice(P, i, V, j) -> list[Fact]:
    level, mine = divmod(int(P.practice_class[i]), N_PRACTICES)
    theirs = int(V.practice[j])
    if not (mine and theirs):
        return []
    if level == 1 and mine == theirs:
        return [Fact("practice_area", "same_practice", (list_code("practice_areas", mine),))]
    if level == 2 and mine != theirs:
        return [Fact("practice_area", "different_practice")]
    return []


def _availability(P, i, V, j) -> list[Fact]:
    shared = int(P.availability[i]) & int(V.availability[j])
    cells = [bit for bit in range(shared.bit_length()) if shared >> bit & 1]
    if not cells:
        return []
    parts = {cell % len(PART_CODES) for cell in cells}
    part = (PART_CODES[parts.pop()],) if len(parts) == 1 else ()
    return [Fact("availability", "overlap", part, len(cells))]


def _region(P, i, V, j) -> list[Fact]:
    level, mine = divmod(int(P.region_class[i]), N_REGIONS)
    theirs = int(V.region[j])
    if not (mine and theirs):
        return []
    if level == 1 and mine == theirs:
        return [Fact("region", "same_region")]
    if level == 2 and mine != theirs:
        return [Fact("region", "outside_region")]
    return []


def _preferences(P, i, V, j) -> list[Fact]:
    facts = []
    gender = int(P.gender_class[i]) % N_GENDERS
    if gender and int(V.gender[j]) == gender:
        required = int(P.required_gender[i]) != GENDER_ANY
        facts.append(Fact("preferences", "gender_required" if required else "gender_preferred",
                          (GENDER_CODES[gender - 1],)))
    language = int(P.language_class[i]) % N_LANGUAGES
    if language and int(V.languages[j]) >> (language - 1) & 1:
        required = int(P.required_language[i]) != LANGUAGE_ANY
        facts.append(Fact("preferences",
                          "language_required" if required else "language_preferred",
                          (LANGUAGE_CODES[language - 1],)))
    return facts


def _load(P, i, V, j) -> list[Fact]:
    return [Fact("load_balance", "room")] if float(V.free_share[j]) >= 1.0 else []


_FACTS = {
    "experience": _experience,
    "career_stage": _career,
    "practice_area": _practice,
    "availability": _availability,
    "region": _region,
    "preferences": _preferences,
    "load_balance": _load,
}


def explain(
    P: EncodedParticipants,
    i: int,
    V: EncodedVolunteers,
    j: int,
    breakdown: Mapping[str, float],
    criterion_points: Mapping[str, float],
    limit: int = 4,
) -> tuple[Fact, ...]:
    """The facts of the strongest criteria for pairing participant row i with volunteer row j.

    A criterion speaks when it earned points and its facts speak for the pair (a neutral
    value never does); criteria are ordered by points earned, ties in criterion order, and
    at most ``limit`` of them speak.
    """
    ranked = sorted(CRITERIA, key=lambda name: (-breakdown.get(name, 0.0), CRITERIA.index(name)))
    facts: list[Fact] = []
    spoken = 0
    for name in ranked:
        worth = criterion_points.get(name, 0.0)
        if worth <= 0 or breakdown.get(name, 0.0) <= 0:
            continue
        found = _FACTS[name](P, i, V, j)
        facts += found
        spoken += bool(found)
        if spoken == limit:
            break
    return tuple(facts)
