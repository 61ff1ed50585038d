"""Each soft criterion, with points worked out by hand (default weights: see POINTS)."""

import pytest

from portal.matching import Weights, breakdown, score_matrix
from portal.matching.encoding import encode_participants, encode_volunteers

from .factories import POINTS, cells, neutral_points, participant, volunteer

EVENINGS = cells((0, 3), (1, 3), (2, 3))


def points(p, v, weights=None):
    return breakdown(p, v, weights)


@pytest.mark.parametrize(
    ("concerns", "primary", "experience", "expected"),
    [
        (("grief_loss", "isolation", "anxiety"), "grief_loss", ("grief_loss",), 0.6 * 35),
        (("grief_loss", "isolation", "anxiety"), "grief_loss", ("grief_loss", "isolation"), 28.0),
        (("grief_loss", "isolation", "anxiety"), "grief_loss", ("isolation",), 0.2 * 35),
        (("isolation", "anxiety"), None, ("anxiety",), 17.5),
        (("grief_loss",), "grief_loss", ("grief_loss",), 35.0),
        (("anxiety",), "grief_loss", ("grief_loss",), 21.0),  # primary counts even if unlisted
        (("made_up", "anxiety"), None, ("anxiety",), 35.0),  # unknown codes are ignored
        ((), None, ("anxiety",), 0.0),
    ],
)
def test_experience_weights_the_primary_concern_most(concerns, primary, experience, expected):
    p = participant(concerns=concerns, primary_concern=primary)
    assert points(p, volunteer(experience=experience))["experience"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("mine", "theirs", "expected"),
    [
        ("3_5", "3_5", 15.0),  # same band
        ("3_5", "6_10", 15.0),  # one band further along
        ("3_5", "11_20", 9.0),  # two ahead: one band past the best
        ("3_5", "0_2", 9.0),  # one behind
        ("3_5", "student", 3.0),
        ("3_5", "21_plus", 3.0),
        ("student", "21_plus", 0.0),
        ("3_5", None, 7.5),  # unknown: neutral
    ],
)
def test_career_stage_prefers_same_or_one_band_ahead(mine, theirs, expected):
    p = participant(career_band=mine, career_pref_similar=True)
    assert points(p, volunteer(career_band=theirs))["career_stage"] == pytest.approx(expected)


def test_career_stage_is_neutral_without_the_wish():
    p = participant(career_band="student", career_pref_similar=False)
    assert points(p, volunteer(career_band="21_plus"))["career_stage"] == 7.5


@pytest.mark.parametrize(
    ("pref", "mine", "theirs", "expected"),
    [
        ("same", "family", "family", 10.0),
        ("same", "family", "tax", 0.0),
        ("different", "family", "tax", 10.0),
        ("different", "family", "family", 0.0),
        ("none", "family", "family", 5.0),
        ("same", None, "family", 5.0),
        ("same", "family", "unheard_of", 5.0),
    ],
)
def test_practice_area_follows_the_wish(pref, mine, theirs, expected):
    p = participant(practice_pref=pref, practice_area=mine)
    assert points(p, volunteer(practice_area=theirs))["practice_area"] == expected


@pytest.mark.parametrize(
    ("theirs", "expected"),
    [
        (0, 0.0),
        (cells((0, 3)), 5.0),
        (cells((0, 3), (1, 3)), 10.0),
        (EVENINGS, 15.0),
        (EVENINGS | cells((0, 0), (4, 1)), 15.0),  # saturates at 3 shared cells
    ],
)
def test_availability_counts_shared_cells_up_to_three(theirs, expected):
    p = participant(availability_mask=EVENINGS | cells((5, 0)))
    assert points(p, volunteer(availability_mask=theirs))["availability"] == pytest.approx(expected)


def test_availability_is_neutral_when_the_participant_gave_none():
    assert points(participant(), volunteer(availability_mask=EVENINGS))["availability"] == 7.5


@pytest.mark.parametrize(
    ("pref", "mine", "theirs", "expected"),
    [
        ("same", "calgary", "calgary", 10.0),
        ("same", "calgary", "edmonton", 0.0),
        ("outside", "calgary", "edmonton", 10.0),
        ("outside", "calgary", "calgary", 0.0),
        ("none", "calgary", "calgary", 5.0),
        ("outside", "calgary", None, 5.0),
    ],
)
def test_region_follows_the_wish(pref, mine, theirs, expected):
    p = participant(region_pref=pref, region=mine)
    assert points(p, volunteer(region=theirs))["region"] == expected


@pytest.mark.parametrize(
    ("wishes", "volunteer_fields", "expected"),
    [
        ({"gender_pref": "preferred", "preferred_gender": "woman"}, {"gender": "woman"}, 10.0),
        ({"gender_pref": "preferred", "preferred_gender": "woman"}, {"gender": "man"}, 0.0),
        ({"language_pref": "preferred", "preferred_language": "fr"}, {"languages": ("fr",)}, 10.0),
        (
            {"gender_pref": "preferred", "preferred_gender": "woman",
             "language_pref": "preferred", "preferred_language": "fr"},
            {"gender": "woman", "languages": ("en",)},
            5.0,
        ),
        ({"language_pref": "required", "preferred_language": "fr"}, {"languages": ("fr",)}, 10.0),
        ({"gender_pref": "preferred", "preferred_gender": None}, {"gender": "woman"}, 5.0),
        ({}, {"gender": "woman"}, 5.0),
    ],
)  # fmt: skip
def test_preferences_score_the_wishes_expressed(wishes, volunteer_fields, expected):
    got = points(participant(**wishes), volunteer(**volunteer_fields))["preferences"]
    assert got == pytest.approx(expected)


@pytest.mark.parametrize(("capacity", "load", "expected"), [(4, 1, 3.75), (2, 0, 5.0), (3, 3, 0.0)])
def test_load_balance_prefers_free_capacity(capacity, load, expected):
    v = volunteer(capacity=capacity, active_load=load)
    assert points(participant(), v)["load_balance"] == pytest.approx(expected)


def test_a_neutral_pair_scores_only_neutral_points():
    assert points(participant(), volunteer()) == pytest.approx(neutral_points())


def test_weights_are_normalised_to_100():
    only_experience = Weights(0, 0, 0, 0, 0, 0, 0)
    assert sum(points(participant(), volunteer(), only_experience).values()) == 0.0
    heavy = Weights(experience=1, career_stage=0, practice_area=0, availability=0, region=0,
                    preferences=0, load_balance=0)  # fmt: skip
    p = participant(concerns=("anxiety",), primary_concern="anxiety")
    assert points(p, volunteer(experience=("anxiety",)), heavy)["experience"] == 100.0


def test_score_matrix_total_is_the_sum_of_the_breakdown():
    p = participant(concerns=("anxiety", "isolation"), primary_concern="anxiety",
                    career_band="0_2", career_pref_similar=True, availability_mask=EVENINGS,
                    region="calgary", region_pref="outside")  # fmt: skip
    v = volunteer(experience=("anxiety",), career_band="3_5", availability_mask=EVENINGS,
                  region="edmonton", capacity=3, active_load=1)  # fmt: skip
    total, _ = score_matrix(encode_participants([p]), encode_volunteers([v]))
    assert float(total[0, 0]) == pytest.approx(sum(points(p, v).values()), abs=1e-4)


def test_best_possible_pair_scores_100():
    p = participant(concerns=("anxiety",), primary_concern="anxiety", career_band="0_2",
                    career_pref_similar=True, practice_area="family", practice_pref="same",
                    availability_mask=EVENINGS, region="calgary", region_pref="same",
                    gender_pref="preferred", preferred_gender="woman")  # fmt: skip
    v = volunteer(experience=("anxiety",), career_band="3_5", practice_area="family",
                  availability_mask=EVENINGS, region="calgary", gender="woman")  # fmt: skip
    assert sum(points(p, v).values()) == pytest.approx(100.0)
    assert POINTS["experience"] == 35.0
