"""Synthetic pools for the matching benchmark: fixed seed, realistic spreads.

The spreads are guesses at a lawyers' assistance program, not measurements:
a few common concerns (stress, anxiety, depression), more early-career
participants than volunteers, two big cities, English for everyone with some
French and other languages, most people without strong wishes, weekly
availability clustered around evenings, mornings, daytime or weekends.
Volunteers have 1–3 places. Firms follow a skewed popularity so that about 5%
of pairs share a firm (current or former) or a do-not-match name: a conflict.
Everything is drawn as arrays first, so 28,000 records take a few seconds.
"""

from __future__ import annotations

import numpy as np

from portal import vocab
from portal.matching import ParticipantRecord, VolunteerRecord

CONCERNS = np.array(vocab.codes(vocab.CONCERNS))
BANDS = np.array(vocab.codes(vocab.CAREER_BANDS))
PRACTICES = np.array(vocab.list_codes("practice_areas"))
REGIONS = np.array(vocab.list_codes("regions"))
GENDERS = np.array(vocab.codes(vocab.GENDERS))
EXTRA_LANGUAGES = {
    "fr": 0.12, "es": 0.04, "pa": 0.03, "zh": 0.03, "tl": 0.02, "ar": 0.02, "cr": 0.01,
}  # fmt: skip

CONCERN_P = [9, 8, 6, 3, 1, 1, 3, 4, 2, 3, 5, 2, 3, 2, 3, 2, 1]
PARTICIPANT_BAND_P = [2, 4, 3, 2, 1.5, 1]
VOLUNTEER_BAND_P = [0.2, 1, 2, 3, 3, 2.5]
PRACTICE_P = [3, 3, 3, 4, 2, 2, 2, 1, 2, 2, 0.5, 1, 0.5, 1, 1]
REGION_P = [10, 9, 1.5, 1.2, 0.8, 0.8, 0.7, 1, 1]
GENDER_P = [50, 42, 4, 1, 3]
FIRM_P = 1.0 / np.arange(1, 41) ** 0.6  # 40 firms, a few big ones
PATTERNS = [  # (days, parts of day) where most of someone's cells fall
    (range(5), (3,)),  # evenings
    (range(5), (0,)),  # mornings
    (range(5), (1, 2)),  # daytime
    ((5, 6), (0, 1, 2, 3)),  # weekends
]


class Synth:
    """Vectorised draws from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def pick(self, codes, weights, n: int) -> np.ndarray:
        weights = np.asarray(weights, float)
        return np.asarray(codes)[self.rng.choice(len(weights), size=n, p=weights / weights.sum())]

    def wish(self, options: list[str], weights: list[float], n: int) -> np.ndarray:
        return self.pick(options, weights, n)

    def concerns(self, n: int, low: int, high: int) -> list[tuple[str, ...]]:
        """Distinct weighted concerns per record (Gumbel top-k), the first the most likely."""
        keys = np.log(np.asarray(CONCERN_P, float)) + self.rng.gumbel(size=(n, len(CONCERN_P)))
        order = np.argsort(-keys, axis=1)
        counts = self.rng.integers(low, high + 1, size=n)
        return [tuple(map(str, CONCERNS[order[i, : counts[i]]])) for i in range(n)]

    def grids(self, n: int, none_share: float = 0.0) -> np.ndarray:
        masks = np.zeros(n, dtype=np.int64)
        pattern = self.rng.integers(0, len(PATTERNS), size=n)
        for k, (days, parts) in enumerate(PATTERNS):
            cells = np.array([vocab.cell_index(d, p) for d in days for p in parts])
            rows = np.flatnonzero(pattern == k)
            chosen = self.rng.random((len(rows), len(cells))) < 0.6
            masks[rows] = (chosen * (1 << cells)).sum(axis=1)
        stray = self.rng.random((n, vocab.AVAILABILITY_CELLS)) < 0.05
        masks |= (stray * (1 << np.arange(vocab.AVAILABILITY_CELLS))).sum(axis=1)
        masks[self.rng.random(n) < none_share] = 0
        return masks

    def languages(self, n: int) -> list[tuple[str, ...]]:
        extra = {code: self.rng.random(n) < share for code, share in EXTRA_LANGUAGES.items()}
        return [("en", *(code for code, has in extra.items() if has[i])) for i in range(n)]

    def firms(self, n: int) -> np.ndarray:
        return self.rng.choice(len(FIRM_P), size=n, p=FIRM_P / FIRM_P.sum())


def participants(synth: Synth, n: int, volunteer_ids: list[str]) -> list[ParticipantRecord]:
    """n waiting intakes; about 5% urgent, 15% at no firm, 10% naming someone to avoid."""
    rng = synth.rng
    concerns, languages = synth.concerns(n, 1, 3), synth.languages(n)
    cols = {
        "career_band": synth.pick(BANDS, PARTICIPANT_BAND_P, n),
        "practice_area": synth.pick(PRACTICES, PRACTICE_P, n),
        "region": synth.pick(REGIONS, REGION_P, n),
        "gender": synth.pick(GENDERS, GENDER_P, n),
        "gender_pref": synth.wish(["none", "preferred", "required"], [70, 22, 8], n),
        "preferred_gender": synth.pick(GENDERS[:3], GENDER_P[:3], n),
        "practice_pref": synth.wish(["none", "same", "different"], [50, 30, 20], n),
        "region_pref": synth.wish(["none", "same", "outside"], [60, 25, 15], n),
        "language_pref": synth.wish(["none", "preferred", "required"], [85, 10, 5], n),
    }
    similar, urgent = rng.random(n) < 0.5, rng.random(n) < 0.05
    grids, waiting = synth.grids(n, none_share=0.05), rng.integers(0, 90 * 86400, size=n)
    firms, at_firm = synth.firms(n), rng.random(n) < 0.85
    avoid = np.where(rng.random(n) < 0.1, rng.integers(0, max(1, len(volunteer_ids)), n), -1)
    made = []
    for i in range(n):
        hashes = {f"firm:{firms[i]}"} if at_firm[i] else set()
        if avoid[i] >= 0 and volunteer_ids:
            hashes.add(f"name:{volunteer_ids[avoid[i]]}")
        made.append(ParticipantRecord(
            id=f"p{i:06d}", concerns=concerns[i], primary_concern=concerns[i][0],
            languages=languages[i], preferred_language=languages[i][-1],
            career_pref_similar=bool(similar[i]), availability_mask=int(grids[i]),
            urgent=bool(urgent[i]), waiting_since=float(waiting[i]),
            conflict_hashes=frozenset(hashes), **{k: str(v[i]) for k, v in cols.items()},
        ))  # fmt: skip
    return made


def volunteers(synth: Synth, n: int) -> list[VolunteerRecord]:
    """n volunteers with 1–3 places; a few paused, away or not yet trained."""
    rng = synth.rng
    experience, boundaries = synth.concerns(n, 1, 4), synth.concerns(n, 1, 1)
    has_boundary, languages = rng.random(n) < 0.2, synth.languages(n)
    cols = {
        "career_band": synth.pick(BANDS, VOLUNTEER_BAND_P, n),
        "practice_area": synth.pick(PRACTICES, PRACTICE_P, n),
        "region": synth.pick(REGIONS, REGION_P, n),
        "gender": synth.pick(GENDERS, GENDER_P, n),
    }
    capacity, load = rng.integers(1, 4, size=n), (rng.random(n) < 0.25).astype(int)
    flags = rng.random((n, 3)) < np.array([0.97, 0.03, 0.03])
    grids, current, former = synth.grids(n), synth.firms(n), synth.firms(n)
    has_former = rng.random(n) < 0.5
    made = []
    for j in range(n):
        vid = f"v{j:06d}"
        firms = {f"firm:{current[j]}"} | ({f"firm:{former[j]}"} if has_former[j] else set())
        made.append(VolunteerRecord(
            id=vid, experience=experience[j], boundaries=boundaries[j] if has_boundary[j] else (),
            languages=languages[j], availability_mask=int(grids[j]), capacity=int(capacity[j]),
            active_load=int(load[j]), is_active_trained=bool(flags[j, 0]),
            is_paused=bool(flags[j, 1]), is_away=bool(flags[j, 2]),
            conflict_hashes=frozenset(firms | {f"name:{vid}"}),
            **{k: str(v[j]) for k, v in cols.items()},
        ))  # fmt: skip
    return made


def pool(n_participants: int, n_volunteers: int, seed: int = 20251127):
    """(participants, volunteers) of the given sizes; the same for the same arguments."""
    synth = Synth(seed)
    vols = volunteers(synth, n_volunteers)
    return participants(synth, n_participants, [v.id for v in vols]), vols
