"""The global plan and its two baselines on instances small enough to check by hand."""

import numpy as np
import pytest

from portal.matching import (
    candidates,
    exact_dense_assignment,
    greedy_assignment,
    plan_assignment,
    pricing,
)

from .factories import participant, random_pool, volunteer

GRIEF = dict(concerns=("grief_loss",), primary_concern="grief_loss")
ANXIETY = dict(concerns=("anxiety",), primary_concern="anxiety")


def pairs(plan) -> set[tuple[str, str]]:
    return {(pair.participant_id, pair.volunteer_id) for pair in plan.pairs}


def crossing():
    """Greedy gives p1 its favourite and strands p2; the optimum crosses them."""
    people = [participant("p1", waiting_since=1.0, **GRIEF),
              participant("p2", waiting_since=2.0, **ANXIETY)]  # fmt: skip
    vols = [volunteer("v1", capacity=1, experience=("grief_loss", "anxiety")),
            volunteer("v2", capacity=1, experience=("grief_loss",))]  # fmt: skip
    return people, vols


def test_plan_beats_intake_order_greedy_where_greedy_strands_someone():
    people, vols = crossing()
    assert pairs(greedy_assignment(people, vols)) == {("p1", "v1"), ("p2", "v2")}
    assert pairs(plan_assignment(people, vols)) == {("p1", "v2"), ("p2", "v1")}


def test_plan_matches_the_dense_exact_optimum():
    people, vols = crossing()
    plan, exact = plan_assignment(people, vols), exact_dense_assignment(people, vols)
    assert plan.objective() == exact.objective()
    assert plan.proven_optimal and plan.gap_bound == 0.0


def test_urgent_participants_are_covered_before_a_higher_total():
    people = [participant("p1", waiting_since=1.0, **GRIEF),
              participant("p2", waiting_since=2.0, urgent=True)]  # fmt: skip
    vols = [volunteer("v1", capacity=1, experience=("grief_loss",))]
    plan = plan_assignment(people, vols)
    assert pairs(plan) == {("p2", "v1")}
    assert plan.urgent_covered == plan.urgent_waiting == 1


def test_urgent_bonus_is_used_when_greedy_cannot_cover_every_urgent_participant():
    # Urgent p1, served first, takes v1, the only volunteer urgent p2 may have.
    people = [participant("p1", urgent=True, waiting_since=1.0, **GRIEF),
              participant("p2", urgent=True, waiting_since=2.0, language_pref="required",
                          preferred_language="fr")]  # fmt: skip
    vols = [volunteer("v1", capacity=1, languages=("fr",), experience=("grief_loss",)),
            volunteer("v2", capacity=1)]  # fmt: skip
    assert greedy_assignment(people, vols).urgent_covered == 1
    plan = plan_assignment(people, vols)
    assert plan.stats["urgent_bonus"] == 1.0
    assert pairs(plan) == {("p1", "v2"), ("p2", "v1")}
    assert plan.objective() == exact_dense_assignment(people, vols).objective()


def test_capacity_is_respected():
    people = [participant(f"p{i}", waiting_since=float(i)) for i in range(5)]
    vols = [volunteer("v1", capacity=3, active_load=1), volunteer("v2", capacity=1)]
    plan = plan_assignment(people, vols)
    used = [pair.volunteer_id for pair in plan.pairs]
    assert used.count("v1") == 2 and used.count("v2") == 1
    assert len(plan.unassigned) == 2


def test_excluded_pairs_are_never_planned():
    people = [participant("p1", conflict_hashes={"firm"}), participant("p2")]
    vols = [volunteer("v1", capacity=2, conflict_hashes={"firm"})]
    assert pairs(plan_assignment(people, vols)) == {("p2", "v1")}


def test_pairs_come_in_service_order():
    people = [participant("late", waiting_since=9.0), participant("early", waiting_since=1.0),
              participant("urgent", waiting_since=5.0, urgent=True)]  # fmt: skip
    plan = plan_assignment(people, [volunteer("v1", capacity=3)])
    assert [pair.participant_id for pair in plan.pairs] == ["urgent", "early", "late"]


def test_progress_is_reported_from_start_to_done():
    seen = []
    people, vols = crossing()
    plan_assignment(people, vols, progress=lambda fraction, message: seen.append(fraction))
    assert seen[0] == 0.0
    assert seen == sorted(seen)
    assert seen[-1] == 1.0


@pytest.mark.parametrize("method", [plan_assignment, greedy_assignment, exact_dense_assignment])
def test_empty_pools_give_an_empty_plan(method):
    assert method([], [volunteer()]).pairs == ()
    assert method([participant()], []).unassigned == ("p1",)
    assert method([participant()], [volunteer(capacity=0)]).pairs == ()


def test_greedy_serves_in_order_and_takes_the_best_free_volunteer():
    people = [participant("p2", waiting_since=2.0, **GRIEF),
              participant("p1", waiting_since=1.0, **GRIEF)]  # fmt: skip
    vols = [volunteer("v1", capacity=1), volunteer("v2", capacity=1, experience=("grief_loss",))]
    assert pairs(greedy_assignment(people, vols)) == {("p1", "v2"), ("p2", "v1")}


def test_plan_is_deterministic():
    people = [participant(f"p{i}", waiting_since=float(i % 3)) for i in range(8)]
    vols = [volunteer(f"v{i}", capacity=1 + i % 2) for i in range(4)]
    first, again = plan_assignment(people, vols), plan_assignment(list(reversed(people)), vols)
    assert first.pairs == again.pairs


@pytest.mark.parametrize("seed", range(4))
def test_pricing_rounds_recover_the_optimum_from_tiny_candidate_lists(seed):
    people, vols = random_pool(seed=seed, n_participants=80, n_volunteers=30)
    plan = plan_assignment(people, vols, candidates=1, reserve=2)
    assert plan.stats["rescored_rows"] > 0 and plan.stats["rounds"] > 1
    assert plan.objective() == exact_dense_assignment(people, vols).objective()
    assert plan.proven_optimal


def test_default_plan_is_exact_on_a_realistic_pool():
    people, vols = random_pool(seed=11, n_participants=300, n_volunteers=120)
    plan, exact = plan_assignment(people, vols), exact_dense_assignment(people, vols)
    assert plan.objective() == exact.objective()
    assert plan.total_units >= greedy_assignment(people, vols).total_units


@pytest.mark.parametrize("rounds", [1, 2])
def test_a_plan_stopped_early_reports_a_gap_bound_that_holds(rounds):
    people, vols = random_pool(seed=3, n_participants=80, n_volunteers=30)
    plan = plan_assignment(people, vols, candidates=1, reserve=2, max_rounds=rounds)
    best = exact_dense_assignment(people, vols).total_score
    assert not plan.proven_optimal
    assert plan.total_score <= best <= plan.total_score + plan.gap_bound
    assert plan.objective() >= greedy_assignment(people, vols).objective()


def test_pricing_scores_rows_again_in_threads_and_finds_the_same_exact_plan(monkeypatch):
    # Tiny candidate lists leave most pairs beyond the reserve: many rescoring blocks.
    people, vols = random_pool(seed=5, n_participants=1500, n_volunteers=600)
    monkeypatch.setattr(pricing, "workers", lambda: 3)
    threaded = plan_assignment(people, vols, candidates=1, reserve=2)
    monkeypatch.setattr(pricing, "workers", lambda: 1)
    alone = plan_assignment(people, vols, candidates=1, reserve=2)
    assert threaded.pairs == alone.pairs and threaded.proven_optimal
    assert threaded.stats["rescored_rows"] == alone.stats["rescored_rows"] > 0
    assert threaded.objective() == exact_dense_assignment(people, vols).objective()


def test_each_volunteers_best_row_is_the_first_reaching_its_column_maximum():
    units = np.array([[5, -1, 7, -1], [9, -1, 7, -1], [9, 3, 2, -1]], dtype=np.int32)
    rows, best = candidates._best_per_column(units, start=10)
    assert rows.tolist() == [11, 12, 10, 10]
    assert best.tolist() == [9, 3, 7, -1]
