"""Matching work end to end: requests in, the shipped forking worker, suggestions stored.

`python -m bench.e2e [--submissions 20]` (`make bench-e2e`) seeds 10,000 volunteers and 2,000
waiting requests (PostgreSQL at `BENCH_DATABASE_URL`, wiped, else SQLite in WAL mode), starts
Redis and one worker exactly as the Procfile does (`python -m workers.run`), and submits
requests through `intake.submit_intake`, the service the request wizard calls. Prints:

- `suggest_engine_ms_p50_1x10000`: the engine alone on an encoded pool, in this process
  (the baseline the job figures are held against);
- `submit_to_suggestions_first_ms`: the first request after start (the worker builds its pool);
- `submit_to_suggestions_p50_ms`, `submit_to_suggestions_p95_ms`: each later request, from
  its commit to its suggestions stored (target p95 < 1,000);
- `recompute_after_change_s`: after one volunteer's availability changes, until the jobs
  replacing what it can alter (`recompute_for_volunteer`, queued without its debounce delay)
  are done;
- `recompute_all_s`: the baseline, every waiting request scored again (`recompute_waiting`,
  chunk by chunk) until all are fresh;
- `submit_during_recompute_ms`: a request submitted while that full recomputation runs;
- `plan_db_2000x10000_s`: a plan started as the coordinator starts it, until its proposals
  are stored.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bench import program, web

WAIT_SECONDS = 600


def _answers(i: int):
    from portal.services.intake import Answers

    return Answers(alias=f"Bench {i}", member_type="lawyer", career_band="6_10", region="calgary",
                   languages=["en"], concerns=["grief_loss", "isolation"], primary_concern="grief_loss",
                   availability_mask=0b1111 << (4 * (i % 6)), practice_area="family",
                   region_pref="outside")


def submit(session, i: int):
    """One request as the wizard sends it, by a signed-in participant; its intake id."""
    from portal.models import User
    from portal.services import intake as intakes
    from portal.services import settings

    person = User(role="participant", email_index=uuid.uuid4().hex)
    session.add(person)
    session.flush()
    done = intakes.submit_intake(session, _answers(i), token=uuid.uuid4().hex, user=person,
                                 consent_version=settings.get(session, "consent_version"))
    session.commit()
    return done.intake.id


def wait_until(check, timeout: float = WAIT_SECONDS, every: float = 0.005):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise TimeoutError("the worker did not finish in time")


def suggested(session, intake_id) -> bool:
    from portal.models import Intake

    session.expire_all()
    computed = session.execute(sa.select(Intake.suggestions_computed_at)
                               .where(Intake.id == intake_id)).scalar()
    session.rollback()  # a fresh snapshot at every look
    return computed is not None


def submit_and_wait(session, i: int) -> float:
    start = time.perf_counter()
    intake_id = submit(session, i)
    wait_until(lambda: suggested(session, intake_id))
    return (time.perf_counter() - start) * 1000


def recompute_done(session, since: datetime) -> bool:
    from portal.models import Intake, IntakeState, OutboxJob, OutboxState

    session.expire_all()
    # Due rows only: the volunteer's change also queued its own, debounced a minute ahead.
    left = session.execute(sa.select(sa.func.count()).select_from(OutboxJob).where(
        OutboxJob.kind == "recompute_waiting", OutboxJob.state != OutboxState.DONE,
        OutboxJob.run_after <= datetime.now(UTC))).scalar()
    stale = session.execute(sa.select(sa.func.count()).select_from(Intake).where(
        Intake.state == IntakeState.WAITING, Intake.erased_at.is_(None),
        (Intake.suggestions_computed_at.is_(None)) | (Intake.suggestions_computed_at < since),
    )).scalar()
    session.rollback()
    return left == 0 and stale == 0


def recompute(session) -> float:
    """Queue one recomputation now and wait until every waiting request is fresh; seconds."""
    from portal.services import outbox

    since = datetime.now(UTC) - timedelta(milliseconds=1)
    start = time.perf_counter()
    outbox.enqueue(session, "recompute_waiting", None)
    session.commit()
    wait_until(lambda: recompute_done(session, since), every=0.05)
    return time.perf_counter() - start


def change_one_volunteer(session) -> str:
    """One availability cell, through the volunteer's own service call; their id."""
    from portal.models import User, VolunteerProfile
    from portal.services import volunteers

    profile = session.execute(sa.select(VolunteerProfile).where(
        VolunteerProfile.state == "active").limit(1)).scalar_one()
    volunteers.set_availability(session, profile, profile.availability_mask ^ 1,
                                actor=session.get(User, profile.user_id))
    session.commit()
    return str(profile.id)


def jobs_done(session, kind: str) -> bool:
    """No due job of ``kind`` left (the change's own, debounced a minute ahead, is not due)."""
    from portal.models import OutboxJob, OutboxState

    session.expire_all()
    left = session.execute(sa.select(sa.func.count()).select_from(OutboxJob).where(
        OutboxJob.kind == kind, OutboxJob.state != OutboxState.DONE,
        OutboxJob.run_after <= datetime.now(UTC))).scalar()
    session.rollback()
    return left == 0


def plan(session) -> float:
    from portal.models import PlanRun, PlanStatus, User
    from portal.services import planning

    coordinator = User(role="coordinator", email_index=uuid.uuid4().hex)
    session.add(coordinator)
    session.commit()
    start = time.perf_counter()
    run = planning.start_plan(session, actor=coordinator)
    session.commit()

    def finished() -> bool:
        session.expire_all()
        status = session.execute(sa.select(PlanRun.status).where(PlanRun.id == run.id)).scalar()
        session.rollback()
        if status == PlanStatus.FAILED:
            raise RuntimeError("the plan failed")
        return status == PlanStatus.DONE

    wait_until(finished, every=0.05)
    return time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e")
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--waiting", type=int, default=2_000)
    args = parser.parse_args(argv)
    from portal.db import db
    from portal.matching import suggest
    from portal.models import Intake
    from portal.services import engine_records, matching, volunteer_pool

    nv, nw = args.volunteers, args.waiting
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder, web.redis_server() as redis_url:
        config = program.bench_config(folder)
        program.fresh_database(config["DATABASE_URL"])
        app = program.make_app(config, folder, REDIS_URL=redis_url)
        env = web.portal_env(config, folder, redis_url)
        log = open(f"{folder}/worker.log", "wb")  # noqa: SIM115 - closed below
        worker = subprocess.Popen([sys.executable, "-m", "workers.run"], env=env, cwd=web.ROOT,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            with app.app_context():
                session = db.session
                program.seed_program(session, nv, nw)
                print(f"seeded {nv} volunteers, {nw} waiting", file=sys.stderr)
                pool = volunteer_pool.volunteer_pool(session)
                one = session.execute(sa.select(Intake).limit(1)).scalar_one()
                record, weights = engine_records.participant_record(session, one), matching.current_weights(session)
                times = []
                for _ in range(15):
                    start = time.perf_counter()
                    suggest(record, pool, weights, k=5)
                    times.append((time.perf_counter() - start) * 1000)
                figures[f"suggest_engine_ms_p50_1x{nv}"] = statistics.median(times)
                figures["submit_to_suggestions_first_ms"] = submit_and_wait(session, 0)
                latencies = sorted(submit_and_wait(session, i) for i in range(1, args.submissions + 1))
                figures["submit_to_suggestions_p50_ms"] = statistics.median(latencies)
                figures["submit_to_suggestions_p95_ms"] = latencies[
                    min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
                print("settling: every waiting request gets its first suggestions", file=sys.stderr)
                recompute(session)
                changed = change_one_volunteer(session)
                start = time.perf_counter()
                from portal.services import outbox

                outbox.enqueue(session, "recompute_for_volunteer", changed)  # not debounced
                session.commit()
                wait_until(lambda: jobs_done(session, "recompute_for_volunteer"), every=0.05)
                figures["recompute_after_change_s"] = time.perf_counter() - start
                print("baseline: every waiting request scored again", file=sys.stderr)
                since = datetime.now(UTC)
                start = time.perf_counter()
                outbox.enqueue(session, "recompute_waiting", None)
                session.commit()
                time.sleep(0.5)  # the recomputation is under way
                figures["submit_during_recompute_ms"] = submit_and_wait(session, 999)
                wait_until(lambda: recompute_done(session, since), every=0.05)
                figures["recompute_all_s"] = time.perf_counter() - start
                figures[f"plan_db_{nw}x{nv}_s"] = plan(session)
            db.session.remove()
            db.engine.dispose()
        except Exception:
            log.flush()
            print(open(f"{folder}/worker.log", errors="replace").read()[-4000:], file=sys.stderr)
            raise
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)
            log.close()
    for name, value in figures.items():
        print(f"{name}: {value:.4g}")


if __name__ == "__main__":
    main()
