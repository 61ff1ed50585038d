"""The scoring rules in plain Python, one pair at a time: the specification.

Slow on purpose and written straight from the rules in ``scoring.py`` (which
documents them), with sets and ifs instead of masks and tables. Tests and the
benchmark hold the vectorised engine to it. The app calls only ``exclusion``, where a
page marks the few suggestions it shows (the request's record, Today's next steps): a
handful of pairs, checked without loading NumPy in the web process. Every offer still
goes through the engine's own gate (``engine.exclusion``).
"""

from __future__ import annotations

from portal import vocab

from .records import CRITERIA, ParticipantRecord, VolunteerRecord, Weights
from .rules import Reason  # not .eligibility: that loads NumPy

CONCERNS = set(vocab.codes(vocab.CONCERNS))
BANDS = vocab.codes(vocab.CAREER_BANDS)
KNOWN = {
    "language": set(vocab.codes(vocab.LANGUAGES)),
    "gender": set(vocab.codes(vocab.GENDERS)),
}
NEUTRAL = 0.5


def _known(name: str) -> set[str]:
    """The codes of a program list as the engine knows them now (see ``vocab.list_codes``)."""
    return {code for code in vocab.list_codes(name) if code is not None}


def exclusion(p: ParticipantRecord, v: VolunteerRecord) -> Reason:
    """The first hard rule the pair fails, in rule order (ELIGIBLE when none)."""
    concerns = set(p.concerns) | ({p.primary_concern} if p.primary_concern else set())
    tests = (
        (Reason.NOT_ACTIVE, not (v.is_active_trained and v.is_complete) or v.is_lapsed),
        (Reason.PAUSED_OR_AWAY, v.is_paused or v.is_away),
        (Reason.NO_CAPACITY, v.free_capacity == 0),
        (Reason.BOUNDARY, bool(concerns & CONCERNS & set(v.boundaries))),
        (Reason.LANGUAGE, not _language_ok(p, v)),
        (Reason.GENDER, not _gender_ok(p, v)),
        (Reason.CONFLICT, bool(p.conflict_hashes & v.conflict_hashes)),
        (Reason.CHANGE_REQUEST, v.id in p.excluded_volunteer_ids),
    )
    return next((reason for reason, failed in tests if failed), Reason.ELIGIBLE)


def _language_ok(p: ParticipantRecord, v: VolunteerRecord) -> bool:
    if p.language_pref != "required":
        return True
    if p.preferred_language in KNOWN["language"]:
        return p.preferred_language in v.languages
    mine = set(p.languages) & KNOWN["language"]
    return not mine or bool(mine & set(v.languages))


def _gender_ok(p: ParticipantRecord, v: VolunteerRecord) -> bool:
    if p.gender_pref != "required" or p.preferred_gender not in KNOWN["gender"]:
        return True
    return v.gender == p.preferred_gender


def fractions(p: ParticipantRecord, v: VolunteerRecord) -> dict[str, float]:
    """Each criterion as a fraction 0..1 of its points."""
    return {
        "experience": _experience(p, v),
        "career_stage": _career(p, v),
        "practice_area": _wish(p.practice_pref, "same", "different", p.practice_area,
                               v.practice_area, _known("practice_areas")),
        "availability": _availability(p, v),
        "region": _wish(p.region_pref, "same", "outside", p.region, v.region, _known("regions")),
        "preferences": _preferences(p, v),
        "load_balance": min(1.0, v.free_capacity / v.capacity) if v.capacity > 0 else 0.0,
    }  # fmt: skip


def _experience(p: ParticipantRecord, v: VolunteerRecord) -> float:
    primary = p.primary_concern if p.primary_concern in CONCERNS else None
    others = (set(p.concerns) & CONCERNS) - {primary}
    lived = set(v.experience)
    if primary is None:
        return len(others & lived) / len(others) if others else 0.0
    if not others:
        return 1.0 if primary in lived else 0.0
    return 0.6 * (primary in lived) + 0.4 * len(others & lived) / len(others)


def _career(p: ParticipantRecord, v: VolunteerRecord) -> float:
    if not p.career_pref_similar or p.career_band not in BANDS or v.career_band not in BANDS:
        return NEUTRAL
    ahead = BANDS.index(v.career_band) - BANDS.index(p.career_band)
    if ahead in (0, 1):
        return 1.0
    gap = ahead - 1 if ahead > 1 else -ahead
    return max(0.0, 1.0 - 0.4 * gap)


def _wish(pref, same, other, mine, theirs, known) -> float:
    if pref not in (same, other) or mine not in known or theirs not in known:
        return NEUTRAL
    return float((mine == theirs) == (pref == same))


def _availability(p: ParticipantRecord, v: VolunteerRecord) -> float:
    if p.availability_mask == 0:
        return NEUTRAL
    shared = (p.availability_mask & v.availability_mask).bit_count()
    return min(shared, 3) / 3


def _preferences(p: ParticipantRecord, v: VolunteerRecord) -> float:
    met = []
    if p.gender_pref in ("preferred", "required") and p.preferred_gender in KNOWN["gender"]:
        met.append(v.gender == p.preferred_gender)
    if p.language_pref in ("preferred", "required") and p.preferred_language in KNOWN["language"]:
        met.append(p.preferred_language in v.languages)
    return sum(met) / len(met) if met else NEUTRAL


def score(p: ParticipantRecord, v: VolunteerRecord, weights: Weights) -> tuple[float, Reason]:
    """Total points 0..100 and the exclusion reason of one pair."""
    points = weights.points()
    share = fractions(p, v)
    return sum(points[name] * share[name] for name in CRITERIA), exclusion(p, v)
