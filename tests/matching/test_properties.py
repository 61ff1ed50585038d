"""Properties over random small pools (hypothesis), odd data included."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.matching import (
    Weights,
    encode_participants,
    encode_volunteers,
    exact_dense_assignment,
    greedy_assignment,
    plan_assignment,
    reference,
    score_matrix,
    suggest,
)  # fmt: skip

from .factories import brute_force_best, pools

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
weights = st.builds(
    Weights, *(st.floats(0, 50, allow_nan=False) for _ in range(7))
)


def eligible(people, vols, weights=None) -> set[tuple[str, str]]:
    if not people or not vols:
        return set()
    V = encode_volunteers(vols)
    _, reasons = score_matrix(encode_participants(people), V, weights)
    return {(people[i].id, V.ids[j]) for i, j in zip(*np.nonzero(reasons == 0), strict=False)}


def check_capacity(plan, vols) -> None:
    free = {v.id: v.free_capacity for v in vols}
    used: dict[str, int] = {}
    for pair in plan.pairs:
        used[pair.volunteer_id] = used.get(pair.volunteer_id, 0) + 1
    assert all(count <= free[vid] for vid, count in used.items())
    assert len({pair.participant_id for pair in plan.pairs}) == len(plan.pairs)


@SETTINGS
@given(pools(), weights)
def test_engine_agrees_with_the_plain_python_rules(pool, w):
    people, vols = pool
    if not people or not vols:
        return
    V = encode_volunteers(vols)
    total, reasons = score_matrix(encode_participants(people), V, w)
    by_id = {v.id: v for v in vols}
    for i, p in enumerate(people):
        for j, vid in enumerate(V.ids):
            expected, why = reference.score(p, by_id[vid], w)
            assert total[i, j] == pytest.approx(expected, abs=1e-3)
            assert reasons[i, j] == why


@SETTINGS
@given(pools(), weights)
def test_scores_are_never_nan_and_stay_within_0_and_100(pool, w):
    people, vols = pool
    total, _ = score_matrix(encode_participants(people), encode_volunteers(vols), w)
    assert not np.isnan(total).any()
    assert (total >= -1e-4).all() and (total <= 100 + 1e-3).all()


@SETTINGS
@given(pools())
def test_suggestions_are_eligible_and_best_first(pool):
    people, vols = pool
    allowed = eligible(people, vols)
    for p in people:
        result = suggest(p, vols, k=3)
        assert all((p.id, s.volunteer_id) in allowed for s in result.items)
        scores = [s.score for s in result.items]
        assert scores == sorted(scores, reverse=True)
        assert result.eligible_count + sum(result.exclusion_counts.values()) == len(vols)


@SETTINGS
@given(pools())
def test_plans_only_use_eligible_pairs_within_capacity(pool):
    people, vols = pool
    allowed = eligible(people, vols)
    for method in (plan_assignment, greedy_assignment, exact_dense_assignment):
        plan = method(people, vols)
        assert {(x.participant_id, x.volunteer_id) for x in plan.pairs} <= allowed
        check_capacity(plan, vols)


@SETTINGS
@given(pools(max_participants=5, max_volunteers=4))
def test_plan_equals_the_brute_force_optimum(pool):
    people, vols = pool
    plan = plan_assignment(people, vols)
    assert plan.objective() == brute_force_best(people, vols)
    assert plan.proven_optimal


@SETTINGS
@given(pools(max_participants=12, max_volunteers=8))
def test_pruned_plan_with_tiny_candidate_lists_is_still_exact(pool):
    people, vols = pool
    plan = plan_assignment(people, vols, candidates=1, reserve=2)
    assert plan.objective() == exact_dense_assignment(people, vols).objective()
    assert plan.proven_optimal and plan.gap_bound == 0.0


@SETTINGS
@given(pools(max_participants=10, max_volunteers=6))
def test_plan_is_never_worse_than_greedy(pool):
    people, vols = pool
    assert plan_assignment(people, vols).objective() >= greedy_assignment(people, vols).objective()


@SETTINGS
@given(pools(max_participants=5, max_volunteers=4))
def test_urgent_coverage_is_maximal(pool):
    people, vols = pool
    assert plan_assignment(people, vols).urgent_covered == brute_force_best(people, vols)[0]


@SETTINGS
@given(pools(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order(pool, rnd):
    people, vols = pool
    shuffled_people, shuffled_vols = people[:], vols[:]
    rnd.shuffle(shuffled_people)
    rnd.shuffle(shuffled_vols)
    plan = plan_assignment(shuffled_people, shuffled_vols)
    assert plan_assignment(people, vols).pairs == plan.pairs
    for p in people:
        assert suggest(p, vols) == suggest(p, shuffled_vols)


@SETTINGS
@given(pools())
def test_conflict_explanations_never_show_the_hash(pool):
    people, vols = pool
    for p in people:
        words = repr(suggest(p, vols, k=10))
        assert not any(h in words for h in p.conflict_hashes)
        for v in vols:
            if p.conflict_hashes & v.conflict_hashes:
                assert v.id not in {s.volunteer_id for s in suggest(p, vols, k=10).items}
