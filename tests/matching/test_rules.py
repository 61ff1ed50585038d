"""Each hard rule excludes with its own stable reason, the first failing rule wins."""

import pytest

from portal.matching import Reason, score_matrix
from portal.matching.encoding import encode_participants, encode_volunteers
from portal.services.matching_words import label

from .factories import participant, volunteer


def reason(p, v) -> Reason:
    _, reasons = score_matrix(encode_participants([p]), encode_volunteers([v]))
    return Reason(int(reasons[0, 0]))


def test_reason_codes_are_stable():
    assert [(r.value, r.key) for r in Reason] == [
        (0, "eligible"), (1, "not_active"), (2, "paused_or_away"), (3, "no_capacity"),
        (4, "boundary"), (5, "language"), (6, "gender"), (7, "conflict"), (8, "change_request"),
    ]  # fmt: skip


def test_a_plain_pair_is_eligible():
    assert reason(participant(), volunteer()) is Reason.ELIGIBLE


def test_inactive_or_untrained_volunteer_is_excluded():
    assert reason(participant(), volunteer(is_active_trained=False)) is Reason.NOT_ACTIVE


def test_a_volunteer_whose_approval_lapsed_is_excluded_as_not_active():
    assert reason(participant(), volunteer(is_lapsed=True)) is Reason.NOT_ACTIVE


@pytest.mark.parametrize("flag", ["is_paused", "is_away"])
def test_paused_or_away_volunteer_is_excluded(flag):
    assert reason(participant(), volunteer(**{flag: True})) is Reason.PAUSED_OR_AWAY


@pytest.mark.parametrize(("capacity", "load"), [(1, 1), (0, 0), (2, 5)])
def test_volunteer_without_free_capacity_is_excluded(capacity, load):
    v = volunteer(capacity=capacity, active_load=load)
    assert reason(participant(), v) is Reason.NO_CAPACITY


@pytest.mark.parametrize(
    ("concerns", "primary"), [(("anxiety", "isolation"), None), (("isolation",), "anxiety")]
)
def test_any_concern_in_the_volunteers_boundaries_excludes(concerns, primary):
    p = participant(concerns=concerns, primary_concern=primary)
    assert reason(p, volunteer(boundaries=("anxiety",))) is Reason.BOUNDARY


def test_required_language_must_be_spoken():
    p = participant(language_pref="required", preferred_language="fr")
    assert reason(p, volunteer(languages=("en",))) is Reason.LANGUAGE
    assert reason(p, volunteer(languages=("en", "fr"))) is Reason.ELIGIBLE


def test_required_language_without_a_choice_means_one_of_the_participants():
    p = participant(language_pref="required", languages=("fr", "es"))
    assert reason(p, volunteer(languages=("en",))) is Reason.LANGUAGE
    assert reason(p, volunteer(languages=("es",))) is Reason.ELIGIBLE


def test_required_language_with_nothing_to_require_excludes_nobody():
    p = participant(language_pref="required", languages=())
    assert reason(p, volunteer(languages=())) is Reason.ELIGIBLE


def test_required_gender_must_be_met():
    p = participant(gender_pref="required", preferred_gender="woman")
    assert reason(p, volunteer(gender="man")) is Reason.GENDER
    assert reason(p, volunteer(gender=None)) is Reason.GENDER
    assert reason(p, volunteer(gender="woman")) is Reason.ELIGIBLE


def test_required_gender_without_a_choice_excludes_nobody():
    p = participant(gender_pref="required", preferred_gender=None)
    assert reason(p, volunteer(gender="man")) is Reason.ELIGIBLE


def test_shared_firm_or_name_hash_is_a_conflict():
    p = participant(conflict_hashes={"firm:abc", "name:xyz"})
    assert reason(p, volunteer(conflict_hashes={"name:xyz"})) is Reason.CONFLICT
    assert reason(p, volunteer(conflict_hashes={"firm:other"})) is Reason.ELIGIBLE


def test_pair_closed_by_a_change_request_is_never_suggested_again():
    p = participant(excluded_volunteer_ids={"v1"})
    assert reason(p, volunteer("v1")) is Reason.CHANGE_REQUEST
    assert reason(p, volunteer("v2")) is Reason.ELIGIBLE


def test_first_failing_rule_is_recorded():
    p = participant(concerns=("anxiety",), conflict_hashes={"h"}, excluded_volunteer_ids={"v1"})
    everything = volunteer("v1", is_active_trained=False, is_paused=True, capacity=0,
                           boundaries=("anxiety",), conflict_hashes={"h"})  # fmt: skip
    assert reason(p, everything) is Reason.NOT_ACTIVE
    later = volunteer("v1", boundaries=("anxiety",), conflict_hashes={"h"})
    assert reason(p, later) is Reason.BOUNDARY


def test_conflict_words_never_say_what_matched():
    assert label(Reason.CONFLICT) == "Conflict of interest"
