"""Matching benchmark: `python -m bench.matching [--tiers typical,large,stress] [--quick]`.

Prints one `name: value` line per figure on stdout and nothing else (progress
goes to stderr). Every figure is measured in the same run as its baseline, on
synthetic pools with a fixed seed (``bench.data``). Timings start from plain
records, so encoding is included, as in a real job. The stress-tier plan runs in
a child process whose peak RSS is the memory figure.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

from portal.matching import (
    CRITERIA,
    Scorer,
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
from portal.matching.eligibility import pair_bits
from portal.matching.scoring import iter_blocks

from . import data

TIERS = {"typical": (1_000, 500), "large": (5_000, 2_000), "stress": (20_000, 8_000)}


def say(name: str, value: float | int | str) -> None:
    """One figure on stdout."""
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
    print(f"{name}: {text}", flush=True)


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def score_throughput(people, vols, repeats: int) -> float:
    """Pairs per second scoring every pair (totals and hard rules), best of ``repeats``."""
    P, V = encode_participants(people), encode_volunteers(vols)
    scorer, bits = Scorer(V, Weights()), pair_bits(P, V)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _block in iter_blocks(scorer, P, bits):
            pass
        best = min(best, time.perf_counter() - start)
    return len(P) * len(V) / best


def plain_loop(people, vols, weights: Weights) -> list[list[tuple[float, int]]]:
    """Every pair scored by a plain double loop: the weights' points worked out once, then
    the reference's criteria and rules per pair (what anyone would write without NumPy)."""
    points = weights.points()
    rows = []
    for p in people:
        row = []
        for v in vols:
            share = reference.fractions(p, v)
            row.append((sum(points[name] * share[name] for name in CRITERIA),
                        reference.exclusion(p, v)))
        rows.append(row)
    return rows


def python_loop_throughput(people, vols, n_p: int, n_v: int) -> float:
    """Pairs per second of a plain Python double loop, after checking it agrees with NumPy."""
    people, vols = people[:n_p], sorted(vols, key=lambda v: v.id)[:n_v]
    weights = Weights()
    start = time.perf_counter()
    loop = plain_loop(people, vols, weights)
    elapsed = time.perf_counter() - start
    total, reasons = score_matrix(encode_participants(people), encode_volunteers(vols), weights)
    expected = np.array([[s for s, _ in row] for row in loop])
    why = np.array([[int(r) for _, r in row] for row in loop])
    assert np.abs(total - expected).max() < 1e-3, "engine and Python loop disagree on scores"
    assert (reasons == why).all(), "engine and Python loop disagree on exclusions"
    return len(people) * len(vols) / elapsed


def plan_vs_greedy(name: str, people, vols):
    """Plan and greedy on one pool: times, the plan's total as % of greedy's; the plan."""
    plan, plan_s = timed(plan_assignment, people, vols)
    greedy, greedy_s = timed(greedy_assignment, people, vols)
    say(f"plan_s_{name}", plan_s)
    say(f"greedy_s_{name}", greedy_s)
    say(f"plan_vs_greedy_total_pct_{name}", 100.0 * plan.total_units / max(1, greedy.total_units))
    say(f"plan_proven_optimal_{name}", int(plan.proven_optimal))
    return plan


def typical(quick: bool) -> None:
    people, vols = data.pool(*TIERS["typical"])
    plan = plan_vs_greedy("1000x500", people, vols)
    exact = exact_dense_assignment(people, vols)
    say("plan_optimality_gap_pct_1000x500", _gap(plan, exact))


def large(quick: bool) -> None:
    people, vols = data.pool(*TIERS["large"])
    note("large: scoring throughput")
    engine = score_throughput(people, vols, repeats=1 if quick else 3)
    say("score_pairs_per_s", engine)
    loop = python_loop_throughput(people, vols, *((60, 50) if quick else (300, 200)))
    say("python_loop_pairs_per_s", loop)
    say("python_loop_speedup_x", engine / loop)
    note("large: dense exact baseline, then the plan")
    exact, lsa_s = timed(exact_dense_assignment, people, vols)
    say("lsa_s_5000x2000", lsa_s)
    plan, plan_s = timed(plan_assignment, people, vols)
    say("plan_s_5000x2000", plan_s)
    say("plan_vs_lsa_time_ratio", plan_s / lsa_s)
    say("plan_optimality_gap_pct", _gap(plan, exact))
    greedy = greedy_assignment(people, vols)
    say("plan_vs_greedy_total_pct_5000x2000", 100.0 * plan.total_units / greedy.total_units)
    bits = pair_bits(encode_participants(people), encode_volunteers(vols))
    say("conflict_pairs_pct", 100.0 * int((bits.data & 64 > 0).sum()) / (len(people) * len(vols)))


def _gap(plan, exact) -> float:
    if plan.urgent_covered != exact.urgent_covered:
        return 100.0  # cannot happen for an exact plan; shown loudly if it ever does
    return 100.0 * (exact.total_units - plan.total_units) / max(1, exact.total_units)


def stress(quick: bool) -> None:
    note("stress: plan in a child process (peak RSS is measured there)")
    out = subprocess.run(
        [sys.executable, "-m", "bench.matching", "--child-stress"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    child = json.loads(out.stdout.strip().splitlines()[-1])
    say("plan_s_20000x8000", child["plan_s"])
    say("plan_peak_mib_20000x8000", child["peak_mib"])
    say("plan_proven_optimal_20000x8000", int(child["proven"]))
    say("plan_rounds_20000x8000", int(child["rounds"]))
    say("plan_vs_greedy_total_pct_20000x8000", child["vs_greedy_pct"])
    say("greedy_s_20000x8000", child["greedy_s"])


def child_stress() -> None:
    """Runs in the child: build the stress pool, plan it, report time and peak memory."""
    people, vols = data.pool(*TIERS["stress"])
    plan, plan_s = timed(plan_assignment, people, vols)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    greedy, greedy_s = timed(greedy_assignment, people, vols)
    print(json.dumps({
        "plan_s": plan_s, "peak_mib": peak_mib, "proven": plan.proven_optimal,
        "rounds": plan.stats.get("rounds", 0), "greedy_s": greedy_s,
        "vs_greedy_pct": 100.0 * plan.total_units / max(1, greedy.total_units),
    }))  # fmt: skip


def suggest_engine_ms(n_volunteers: int = 10_000, samples: int = 41) -> dict[str, float]:
    """Hook for the suggest figure: p50 ms of ``suggest`` for one intake, in memory.

    ``warm``: the volunteer pool encoded and its Scorer built once and reused (a
    worker that caches them); ``cold``: from records every time. The lead's
    ``suggest_ms_p50_1x10000`` adds loading from and storing to the database.
    """
    people, vols = data.pool(samples, n_volunteers, seed=7)
    V = encode_volunteers(vols)
    scorer = Scorer(V, Weights())
    warm = [timed(suggest, p, V, scorer=scorer)[1] for p in people]
    cold = [timed(suggest, p, vols)[1] for p in people[:11]]
    return {"warm": 1000 * statistics.median(warm), "cold": 1000 * statistics.median(cold)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.matching")
    parser.add_argument("--tiers", default="typical,large,stress")
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller loop sample")
    parser.add_argument("--child-stress", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_stress:
        child_stress()
        return
    tiers = [t.strip() for t in args.tiers.split(",") if t.strip()]
    unknown = set(tiers) - set(TIERS)
    if unknown:
        parser.error(f"unknown tiers: {', '.join(sorted(unknown))}")
    for tier in tiers:
        note(f"tier {tier}: {TIERS[tier][0]} x {TIERS[tier][1]}")
        {"typical": typical, "large": large, "stress": stress}[tier](args.quick)
    figures = suggest_engine_ms(samples=11 if args.quick else 41)
    # Not `suggest_engine_ms_p50_1x10000`: the database benchmarks print that name for the
    # engine building its Scorer per call, their baseline.
    say("suggest_engine_scorer_reused_ms_p50_1x10000", figures["warm"])
    say("suggest_engine_cold_ms_p50_1x10000", figures["cold"])


if __name__ == "__main__":
    main()
