"""Top-k suggestions: order, ties, exclusions, breakdowns and reasons in words."""

import pytest

from portal.matching import Scorer, Weights, encode_volunteers, score_matrix, suggest
from portal.matching.encoding import encode_participants
from portal.services.matching_words import reasons

from .factories import cells, participant, volunteer

GRIEF = dict(concerns=("grief_loss", "isolation"), primary_concern="grief_loss")


def in_words(facts, session=None):
    """The reasons in words; naming a practice area reads the program's list (a session)."""
    return reasons(facts, session)


def test_best_volunteers_come_first():
    vols = [volunteer("v1"), volunteer("v2", experience=("grief_loss",)),
            volunteer("v3", experience=("grief_loss", "isolation"))]  # fmt: skip
    result = suggest(participant(**GRIEF), vols, k=2)
    assert [s.volunteer_id for s in result.items] == ["v3", "v2"]


def test_ties_break_by_volunteer_id_whatever_the_input_order():
    vols = [volunteer(vid) for vid in ("v9", "v3", "v5")]
    assert [s.volunteer_id for s in suggest(participant(), vols).items] == ["v3", "v5", "v9"]


def test_excluded_volunteers_are_never_suggested_and_are_counted():
    vols = [volunteer("v1", is_paused=True), volunteer("v2", capacity=0),
            volunteer("v3", conflict_hashes={"h"}), volunteer("v4")]  # fmt: skip
    result = suggest(participant(conflict_hashes={"h"}), vols)
    assert [s.volunteer_id for s in result.items] == ["v4"]
    assert result.eligible_count == 1
    assert result.exclusion_counts == {
        "not_active": 0, "paused_or_away": 1, "no_capacity": 1, "boundary": 0,
        "language": 0, "gender": 0, "conflict": 1, "change_request": 0,
    }  # fmt: skip


def test_suggestion_breakdown_matches_the_score_matrix():
    p = participant(**GRIEF, availability_mask=cells((0, 3)), region="calgary", region_pref="same")
    vols = [volunteer(f"v{i}", experience=("isolation",) * (i % 2), region="calgary",
                      availability_mask=cells((0, 3)) * (i % 3 > 0)) for i in range(6)]  # fmt: skip
    result = suggest(p, vols, k=6)
    V = encode_volunteers(vols)
    total, _ = score_matrix(encode_participants([p]), V)
    for item in result.items:
        column = V.ids.index(item.volunteer_id)
        assert sum(item.breakdown.values()) == pytest.approx(float(total[0, column]), abs=1e-3)
        assert item.score == pytest.approx(float(total[0, column]), abs=1e-3)


def test_reasons_name_shared_experience_strongest_first():
    v = volunteer(experience=("grief_loss", "isolation"))
    assert in_words(suggest(participant(**GRIEF), [v]).items[0].reasons)[0] == (
        "Shared experience: grief and loss, isolation"
    )


def test_reasons_name_the_part_of_day_when_overlap_is_all_evenings():
    evenings = cells((0, 3), (2, 3), (4, 3))
    p = participant(availability_mask=evenings | cells((1, 0)))
    reasons = suggest(p, [volunteer(availability_mask=evenings)]).items[0].reasons
    assert "Evenings overlap: 3 slots" in in_words(reasons)


def test_reasons_count_mixed_overlap_as_availability():
    grid = cells((0, 0), (0, 3))
    reasons = suggest(participant(availability_mask=grid), [volunteer(availability_mask=grid)])
    assert "Availability overlaps: 2 slots" in in_words(reasons.items[0].reasons)


@pytest.mark.parametrize(
    ("wishes", "theirs", "phrase"),
    [
        ({"region_pref": "outside", "region": "calgary"}, {"region": "edmonton"},
         "Outside their region, as they asked"),
        ({"career_pref_similar": True, "career_band": "3_5"}, {"career_band": "3_5"},
         "Same career stage"),
        ({"career_pref_similar": True, "career_band": "3_5"}, {"career_band": "6_10"},
         "A little further along in career"),
        ({"language_pref": "preferred", "preferred_language": "fr"}, {"languages": ("fr",)},
         "Speaks the preferred language: French"),
    ],
)  # fmt: skip
def test_reasons_explain_wishes_that_are_met(wishes, theirs, phrase):
    assert phrase in in_words(suggest(participant(**wishes), [volunteer(**theirs)]).items[0].reasons)


def test_reasons_name_the_shared_practice_area_from_the_program_list(session):
    wishes, theirs = {"practice_pref": "same", "practice_area": "family"}, {"practice_area": "family"}
    facts = suggest(participant(**wishes), [volunteer(**theirs)]).items[0].reasons
    assert "Same practice area: family" in in_words(facts, session)


def test_neutral_criteria_give_no_reason():
    reasons = suggest(participant(), [volunteer(capacity=2, active_load=1)]).items[0].reasons
    assert reasons == ()


def test_conflicts_are_never_explained_by_name():
    p = participant(conflict_hashes={"name:jane-doe"})
    vols = [volunteer("v1", conflict_hashes={"name:jane-doe"}), volunteer("v2")]
    result = suggest(p, vols)
    words = repr(result)
    assert "jane" not in words.lower()
    assert result.exclusion_counts["conflict"] == 1


def test_encoded_pool_and_scorer_can_be_reused():
    V = encode_volunteers([volunteer("v1"), volunteer("v2", experience=("anxiety",))])
    scorer = Scorer(V, Weights())
    p = participant(concerns=("anxiety",))
    assert suggest(p, V, scorer=scorer).items[0].volunteer_id == "v2"


def test_no_volunteers_and_k_zero_are_fine():
    assert suggest(participant(), []).items == ()
    assert suggest(participant(), [volunteer()], k=0).items == ()
