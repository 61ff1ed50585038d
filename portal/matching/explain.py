"""Reasons in words for the coordinator, strongest first.

Built from the encoded pools, so a suggestion can be explained without going
back to the database. Only facts that speak *for* a pair become reasons; a
neutral criterion (no preference, unknown data) says nothing. Conflicts are
never explained here at all: an excluded pair only ever reads "Conflict of
interest" (``reasons.REASON_WORDS``), never which firm or name matched.
Phrases go through gettext, so they are translated when an app context is
active and read as plain English without one.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import ngettext

from portal import vocab

from .encoding import (
    CONCERN_CODES, GENDER_ANY, GENDER_CODES, LANGUAGE_ANY, LANGUAGE_CODES, N_BANDS,
    N_GENDERS, N_LANGUAGES, N_PRACTICES, N_REGIONS, PRACTICE_CODES, EncodedParticipants,
    EncodedVolunteers,
)  # fmt: skip
from .records import CRITERIA

PARTS_OF_DAY = len(vocab.PARTS_OF_DAY)
# Literal strings, one per part of the day, so translators see whole sentences.
_PART_OVERLAPS = {
    "morning": lambda n: ngettext(
        "Mornings overlap: %(num)d slot", "Mornings overlap: %(num)d slots", n
    ),
    "midday": lambda n: ngettext(
        "Middays overlap: %(num)d slot", "Middays overlap: %(num)d slots", n
    ),
    "afternoon": lambda n: ngettext(
        "Afternoons overlap: %(num)d slot", "Afternoons overlap: %(num)d slots", n
    ),
    "evening": lambda n: ngettext(
        "Evenings overlap: %(num)d slot", "Evenings overlap: %(num)d slots", n
    ),
}


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _labels(vocabulary, codes, mask: int) -> list[str]:
    return [_lower(vocab.label(vocabulary, c)) for i, c in enumerate(codes) if mask >> i & 1]


def _experience(P, i, V, j) -> str | None:
    primary = int(P.primary[i]) & int(V.experience[j])
    other = int(P.other[i]) & int(V.experience[j])
    shared = _labels(vocab.CONCERNS, CONCERN_CODES, primary)
    shared += _labels(vocab.CONCERNS, CONCERN_CODES, other)
    return _("Shared experience: %(concerns)s", concerns=", ".join(shared)) if shared else None


def _career(P, i, V, j) -> str | None:
    wants, mine = divmod(int(P.career_class[i]), N_BANDS)
    theirs = int(V.band[j])
    if not (wants and mine and theirs) or abs(theirs - mine - 0.5) > 1.5:
        return None
    ahead = theirs - mine
    if ahead == 0:
        return _("Same career stage")
    if ahead == 1:
        return _("A little further along in career")
    return _("Further along in career") if ahead > 1 else _("A little earlier in career")


def _practice(P, i, V, j) -> str | None:
    level, mine = divmod(int(P.practice_class[i]), N_PRACTICES)
    theirs = int(V.practice[j])
    if not (mine and theirs):
        return None
    if level == 1 and mine == theirs:
        label = vocab.label(vocab.PRACTICE_AREAS, PRACTICE_CODES[mine - 1])
        return _("Same practice area: %(area)s", area=_lower(label))
    if level == 2 and mine != theirs:
        return _("A different practice area, as asked")
    return None


def _availability(P, i, V, j) -> str | None:
    shared = int(P.availability[i]) & int(V.availability[j])
    cells = [bit for bit in range(shared.bit_length()) if shared >> bit & 1]
    if not cells:
        return None
    parts = {cell % PARTS_OF_DAY for cell in cells}
    n = len(cells)
    if len(parts) == 1:
        return _PART_OVERLAPS[vocab.codes(vocab.PARTS_OF_DAY)[parts.pop()]](n)
    return ngettext(
        "Availability overlaps: %(num)d slot", "Availability overlaps: %(num)d slots", n
    )


def _region(P, i, V, j) -> str | None:
    level, mine = divmod(int(P.region_class[i]), N_REGIONS)
    theirs = int(V.region[j])
    if not (mine and theirs):
        return None
    if level == 1 and mine == theirs:
        return _("Same region, as asked")
    if level == 2 and mine != theirs:
        return _("Outside your region, as asked")
    return None


def _preferences(P, i, V, j) -> str | None:
    said = []
    gender = int(P.gender_class[i]) % N_GENDERS
    if gender and int(V.gender[j]) == gender:
        label = _lower(vocab.label(vocab.GENDERS, GENDER_CODES[gender - 1]))
        required = int(P.required_gender[i]) != int(GENDER_ANY)
        said.append(
            _("Gender as required: %(g)s", g=label)
            if required
            else _("Gender as preferred: %(g)s", g=label)
        )
    language = int(P.language_class[i]) % N_LANGUAGES
    if language and int(V.languages[j]) >> (language - 1) & 1:
        label = vocab.label(vocab.LANGUAGES, LANGUAGE_CODES[language - 1])
        required = int(P.required_language[i]) != int(LANGUAGE_ANY)
        said.append(
            _("Speaks the required language: %(l)s", l=label)
            if required
            else _("Speaks the preferred language: %(l)s", l=label)
        )
    return "; ".join(said) or None


def _load(P, i, V, j) -> str | None:
    return _("Has room for new matches") if float(V.free_share[j]) >= 1.0 else None


_PHRASES = {
    "experience": _experience,
    "career_stage": _career,
    "practice_area": _practice,
    "availability": _availability,
    "region": _region,
    "preferences": _preferences,
    "load_balance": _load,
}


def reasons_in_words(
    P: EncodedParticipants,
    i: int,
    V: EncodedVolunteers,
    j: int,
    breakdown: Mapping[str, float],
    criterion_points: Mapping[str, float],
    limit: int = 4,
) -> tuple[str, ...]:
    """The strongest reasons for pairing participant row i with volunteer row j.

    A criterion speaks when it earned points and its facts speak for the pair
    (a neutral value never does); reasons are ordered by points earned, ties
    in criterion order.
    """
    ranked = sorted(CRITERIA, key=lambda name: (-breakdown.get(name, 0.0), CRITERIA.index(name)))
    said: list[str] = []
    for name in ranked:
        worth = criterion_points.get(name, 0.0)
        if worth <= 0 or breakdown.get(name, 0.0) <= 0:
            continue
        phrase = _PHRASES[name](P, i, V, j)
        if phrase:
            said.append(phrase)
        if len(said) == limit:
            break
    return tuple(said)

