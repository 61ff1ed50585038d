"""Record factories and hypothesis strategies for the matching tests.

``participant()`` and ``volunteer()`` build a neutral pair: no wishes, nothing
shared, an eligible volunteer with free capacity. Each test overrides only what
it is about, so expected scores can be worked out by hand.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import strategies as st

from portal import vocab
from portal.matching import ParticipantRecord, VolunteerRecord, Weights, score_matrix
from portal.matching.encoding import encode_participants, encode_volunteers
from portal.matching.scoring import to_units

CONCERNS = vocab.codes(vocab.CONCERNS)
BANDS = vocab.codes(vocab.CAREER_BANDS)
PRACTICES = vocab.list_codes("practice_areas")
REGIONS = vocab.list_codes("regions")
LANGUAGES = vocab.codes(vocab.LANGUAGES)
GENDERS = vocab.codes(vocab.GENDERS)

FIRMS = tuple(f"hash:firm-{name}" for name in "abcdefgh")

# Default weights normalise to these points (35+15+10+15+10+10+5 = 100).
POINTS = Weights().points()


def cells(*pairs: tuple[int, int]) -> int:
    """Availability mask from (day, part) pairs, Monday = 0, morning = 0."""
    return sum(1 << vocab.cell_index(day, part) for day, part in pairs)


def participant(pid: str = "p1", **fields) -> ParticipantRecord:
    """A participant with no wishes; override what the test is about."""
    defaults = dict(id=pid, languages=("en",), waiting_since=0.0)
    return ParticipantRecord(**{**defaults, **fields})


def volunteer(vid: str = "v1", **fields) -> VolunteerRecord:
    """An active, trained volunteer with two free places and nothing in common."""
    defaults = dict(id=vid, languages=("en",), capacity=2, active_load=0, is_active_trained=True)
    return VolunteerRecord(**{**defaults, **fields})


def neutral_points(**overrides: float) -> dict[str, float]:
    """Points of a pair where every criterion is neutral (0.5) unless overridden."""
    base = {
        "experience": 0.0,
        "career_stage": 0.5 * POINTS["career_stage"],
        "practice_area": 0.5 * POINTS["practice_area"],
        "availability": 0.5 * POINTS["availability"],
        "region": 0.5 * POINTS["region"],
        "preferences": 0.5 * POINTS["preferences"],
        "load_balance": 1.0 * POINTS["load_balance"],
    }
    return {**base, **overrides}


# --- hypothesis strategies: small random pools with odd data mixed in ---------------------

def _code(codes):
    """A known code, nothing, or a code the vocabulary does not have."""
    return st.one_of(st.sampled_from(codes), st.none(), st.just("unknown"))


@st.composite
def participants(draw, n: int, volunteer_ids: list[str] | None = None):
    """n participants with random wishes, some urgent, some conflicts and closed pairs."""
    made = []
    for i in range(n):
        concerns = draw(st.lists(st.sampled_from(CONCERNS), max_size=3, unique=True))
        made.append(
            ParticipantRecord(
                id=f"p{i}",
                concerns=tuple(concerns),
                primary_concern=draw(st.one_of(st.none(), st.sampled_from(concerns or ["x"]))),
                career_band=draw(_code(BANDS)),
                practice_area=draw(_code(PRACTICES[:4])),
                region=draw(_code(REGIONS[:3])),
                languages=tuple(draw(st.lists(st.sampled_from(LANGUAGES[:3]), max_size=2))),
                gender_pref=draw(st.sampled_from(["none", "preferred", "required", "odd"])),
                preferred_gender=draw(_code(GENDERS[:3])),
                practice_pref=draw(st.sampled_from(["none", "same", "different"])),
                career_pref_similar=draw(st.booleans()),
                region_pref=draw(st.sampled_from(["none", "same", "outside"])),
                language_pref=draw(st.sampled_from(["none", "preferred", "required"])),
                preferred_language=draw(_code(LANGUAGES[:3])),
                availability_mask=draw(st.integers(0, (1 << 28) - 1) | st.just(0)),
                urgent=draw(st.booleans()),
                waiting_since=float(draw(st.integers(0, 5))),
                conflict_hashes=frozenset(draw(st.lists(st.sampled_from(FIRMS[:6]), max_size=2))),
                excluded_volunteer_ids=frozenset(
                    draw(st.lists(st.sampled_from(volunteer_ids or ["v0"]), max_size=1))
                ),
            )
        )
    return made


@st.composite
def volunteers(draw, n: int):
    """n volunteers with random attributes, capacities 0–3, some inactive or paused."""
    return [
        VolunteerRecord(
            id=f"v{i}",
            experience=tuple(draw(st.lists(st.sampled_from(CONCERNS), max_size=4, unique=True))),
            boundaries=tuple(draw(st.lists(st.sampled_from(CONCERNS), max_size=1))),
            career_band=draw(_code(BANDS)),
            practice_area=draw(_code(PRACTICES[:4])),
            region=draw(_code(REGIONS[:3])),
            languages=tuple(draw(st.lists(st.sampled_from(LANGUAGES[:3]), max_size=2))),
            gender=draw(_code(GENDERS[:3])),
            availability_mask=draw(st.integers(0, (1 << 28) - 1)),
            capacity=draw(st.integers(0, 3)),
            active_load=draw(st.integers(0, 2)),
            is_active_trained=draw(st.sampled_from([True, True, True, False])),
            is_paused=draw(st.sampled_from([False, False, False, True])),
            is_lapsed=draw(st.sampled_from([False, False, False, True])),
            conflict_hashes=frozenset(draw(st.lists(st.sampled_from(FIRMS), max_size=1))),
        )
        for i in range(n)
    ]


@st.composite
def pools(draw, max_participants: int = 6, max_volunteers: int = 5):
    """(participants, volunteers) of random small sizes."""
    vols = draw(volunteers(draw(st.integers(0, max_volunteers))))
    people = draw(participants(draw(st.integers(0, max_participants)), [v.id for v in vols]))
    return people, vols


# --- brute force -------------------------------------------------------------------------


def brute_force_best(people, vols, weights=None) -> tuple[int, int]:
    """(urgent covered, total units) of the best plan, by trying every assignment."""
    units, reasons = _units(people, vols, weights)
    vols_sorted = sorted(vols, key=lambda v: v.id)
    free = [v.free_capacity for v in vols_sorted]
    options = [
        [None] + [j for j in range(len(vols_sorted)) if reasons[i, j] == 0]
        for i in range(len(people))
    ]
    best = (0, 0)
    for choice in itertools.product(*options):
        used = [0] * len(vols_sorted)
        for j in choice:
            if j is not None:
                used[j] += 1
        if any(u > f for u, f in zip(used, free, strict=False)):
            continue
        urgent = sum(1 for i, j in enumerate(choice) if j is not None and people[i].urgent)
        total = sum(int(units[i, j]) for i, j in enumerate(choice) if j is not None)
        best = max(best, (urgent, total))
    return best


def _units(people, vols, weights):
    if not people or not vols:
        shape = (len(people), len(vols))
        return np.zeros(shape, np.int64), np.zeros(shape, np.int8)
    total, reasons = score_matrix(encode_participants(people), encode_volunteers(vols), weights)
    return to_units(total).astype(np.int64), reasons


def random_pool(seed: int, n_participants: int, n_volunteers: int):
    """A reproducible, realistic-looking pool: every volunteer active with 1–3 places."""
    rng = np.random.default_rng(seed)

    def some(codes, low, high):
        return tuple(rng.choice(codes, size=int(rng.integers(low, high + 1)), replace=False))

    people = [
        participant(
            f"p{i:03d}",
            concerns=(concerns := some(CONCERNS, 1, 3)),
            primary_concern=concerns[0],
            career_band=str(rng.choice(BANDS)),
            career_pref_similar=bool(rng.random() < 0.5),
            practice_area=str(rng.choice(PRACTICES)),
            practice_pref=str(rng.choice(["none", "same", "different"])),
            region=str(rng.choice(REGIONS)),
            region_pref=str(rng.choice(["none", "same", "outside"])),
            availability_mask=int(rng.integers(0, 1 << 28)),
            urgent=bool(rng.random() < 0.1),
            waiting_since=float(i),
            conflict_hashes={str(rng.choice(FIRMS))},
        )
        for i in range(n_participants)
    ]
    vols = [
        volunteer(
            f"v{j:03d}",
            experience=some(CONCERNS, 1, 4),
            career_band=str(rng.choice(BANDS)),
            practice_area=str(rng.choice(PRACTICES)),
            region=str(rng.choice(REGIONS)),
            availability_mask=int(rng.integers(0, 1 << 28)),
            capacity=int(rng.integers(1, 4)),
            conflict_hashes={str(rng.choice(FIRMS))},
        )
        for j in range(n_volunteers)
    ]
    return people, vols
