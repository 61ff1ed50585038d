"""Weights and records: validation, normalisation and tolerance of odd data."""

import math
from datetime import UTC, datetime

import pytest

from portal.matching import CRITERIA, ParticipantRecord, VolunteerRecord, Weights


def test_default_weights_follow_the_design():
    assert Weights().as_dict() == {
        "experience": 35.0,
        "career_stage": 15.0,
        "practice_area": 10.0,
        "availability": 15.0,
        "region": 10.0,
        "preferences": 10.0,
        "load_balance": 5.0,
    }


def test_points_always_add_up_to_100():
    points = Weights(experience=70, career_stage=1, practice_area=0).points()
    assert math.isclose(sum(points.values()), 100.0)
    assert points["practice_area"] == 0.0


def test_all_zero_weights_score_nothing():
    zero = Weights.from_mapping(dict.fromkeys(CRITERIA, 0))
    assert set(zero.points().values()) == {0.0}


def test_from_mapping_keeps_defaults_for_missing_keys():
    weights = Weights.from_mapping({"experience": "50"})
    assert weights.experience == 50.0
    assert weights.region == 10.0


@pytest.mark.parametrize(
    "bad",
    [{"experience": -1}, {"experience": float("nan")}, {"region": float("inf")},
     {"region": "lots"}, {"region": None}, {"region": True}, {"charm": 5}],
)  # fmt: skip
def test_from_mapping_refuses_bad_weights(bad):
    with pytest.raises(ValueError):
        Weights.from_mapping(bad)


def test_participant_record_cleans_odd_values():
    record = ParticipantRecord(
        id=7,
        concerns=["anxiety", None, 3],
        languages=None,
        career_band=42,
        availability_mask=-5,
        urgent="yes",
        conflict_hashes=["h1", None],
    )
    assert record.id == "7"
    assert record.concerns == ("anxiety",)
    assert record.languages == ()
    assert record.career_band is None
    assert record.availability_mask == 0
    assert record.urgent is True
    assert record.conflict_hashes == frozenset({"h1"})


def test_availability_keeps_only_the_weekly_grid():
    assert ParticipantRecord(id="p", availability_mask=(1 << 40) | 0b101).availability_mask == 0b101


def test_volunteer_free_capacity_is_never_negative():
    assert VolunteerRecord(id="v", capacity=1, active_load=3).free_capacity == 0
    assert VolunteerRecord(id="v", capacity="two", active_load=None).free_capacity == 0
    assert VolunteerRecord(id="v", capacity=3, active_load=-2).free_capacity == 3


def test_waiting_since_accepts_datetimes_numbers_and_nothing():
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    assert ParticipantRecord(id="p", waiting_since=moment).waiting_key() == moment.timestamp()
    assert ParticipantRecord(id="p", waiting_since=12.5).waiting_key() == 12.5
    assert ParticipantRecord(id="p").waiting_key() == math.inf
    assert ParticipantRecord(id="p", waiting_since="soon").waiting_key() == math.inf
