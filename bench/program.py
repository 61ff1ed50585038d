"""A realistic program in the database, and the matching work it causes, timed in process.

`python -m bench.program [--volunteers 10000] [--waiting 2000]` seeds a migrated database
(PostgreSQL at `BENCH_DATABASE_URL`, which is wiped, else SQLite in WAL mode in a temporary
folder) from `bench/data.py`'s synthetic pool, then prints:

- `suggest_engine_ms_p50_1x10000`: the engine alone, encoded pool reused (the baseline);
- `pool_cold_ms_10000`: the volunteer pool loaded and encoded from the database;
- `suggest_warm_ms_p50_1x10000`: one suggestion job with the pool kept;
- `recompute_after_change_s`: the suggestions one volunteer's availability change can alter
  replaced (all had suggestions before), through each job `recompute_for_volunteer` queues;
- `recompute_job_max_s`: its longest single job, the most a new request's job waits behind;
- `recompute_after_offer_s` (and `_vs_all_pct`): the same after an offer to the volunteer in
  the most suggestions (`busiest_volunteer_suggestions`: in how many), a load change;
- `recompute_after_busiest_pauses_s` (and its `_job_max_s`): the same when that volunteer
  then pauses;
- `recompute_all_s` (and its `_job_max_s`): every waiting intake scored again, chunk by chunk
  (`recompute_waiting`), the baseline of the same run;
- `plan_db_2000x10000_s`: the global plan run through the product (records, plan, proposals).

`seed_program` also serves `bench.web` and `bench.e2e`.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bench import data

BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "")


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def bench_config(folder: str) -> dict:
    """Keys, database and instance folder of a benchmark's app (env names, as the Procfile's)."""
    url = BENCH_DATABASE_URL or f"sqlite:///{folder}/bench.sqlite3"
    return {"SECRET_KEY": secrets.token_urlsafe(48), "DATA_KEYS": f"b1:{_key()}",
            "BLIND_INDEX_KEY": _key(), "AUDIT_KEY": f"b1:{_key()}", "DATABASE_URL": url}


def fresh_database(url: str) -> None:
    """Drop everything in ``url`` (the benchmark's own database) and migrate it."""
    from portal.migrations import upgrade

    if url.startswith("postgresql"):
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)


def make_app(config: dict, folder: str, **extra):
    from portal import create_app

    os.environ["PORTAL_INSTANCE"] = folder
    return create_app({"ENV_NAME": "testing", **config, "REDIS_URL": extra.pop("REDIS_URL", ""),
                       "RATELIMIT_ENABLED": False, **extra})


def _codes_column(model, name: str, vocabulary, codes) -> dict:
    """A code list as this schema stores it: a bit mask (``<name>_mask``) or a JSON list."""
    from portal import vocab

    if hasattr(model, f"{name}_mask"):
        return {f"{name}_mask": vocab.mask_of(vocabulary, codes)}
    return {name: list(codes)}


def seed_program(session, n_volunteers: int = 10_000, n_waiting: int = 2_000) -> None:
    """Active volunteers (their accounts, firms and names as conflicts) and waiting intakes."""
    from portal import vocab
    from portal.models import ConflictEntry, Intake, User, VolunteerProfile
    from portal.security.crypto import encrypt

    participants, volunteers = data.pool(n_waiting, n_volunteers)
    now = datetime.now(UTC)
    stamps = {"created_at": now, "updated_at": now}
    users, profiles, conflicts, vid = [], [], [], {}
    for record in volunteers:
        user_id, profile_id = uuid.uuid4(), uuid.uuid4()
        vid[record.id] = profile_id
        users.append({"id": user_id, "role": "volunteer", "email_index": secrets.token_hex(32),
                      "is_enabled": True, "session_epoch": 0, "email_notifications": True,
                      "failed_logins": 0, **stamps})
        profiles.append({
            "id": profile_id, "user_id": user_id, "state_changed_at": now,
            "state": "active" if record.is_active_trained else "trained",
            "display_name_ct": encrypt(f"V{record.id}", f"volunteer_profile.display_name.{profile_id}"),
            **_codes_column(VolunteerProfile, "experience", vocab.CONCERNS, record.experience),
            **_codes_column(VolunteerProfile, "boundaries", vocab.CONCERNS, record.boundaries),
            **_codes_column(VolunteerProfile, "languages", vocab.LANGUAGES, record.languages),
            "practice_area": record.practice_area, "career_band": record.career_band,
            "region": record.region, "gender": record.gender, "capacity": record.capacity,
            "availability_mask": record.availability_mask, "paused": record.is_paused, **stamps})
        conflicts += [{"id": uuid.uuid4(), "volunteer_id": profile_id, "kind": "firm",
                       "value_index": value, "created_at": now} for value in record.conflict_hashes]
    intakes = []
    for record in participants:
        intake_id = uuid.uuid4()
        intakes.append({
            "id": intake_id, "state": "waiting", "state_changed_at": now, "submitted_at": now,
            "waiting_since": now - timedelta(seconds=record.waiting_key()),
            "alias_ct": encrypt("Bench", f"intake.alias.{intake_id}"), "member_type": "lawyer",
            "career_band": record.career_band, "practice_area": record.practice_area,
            "region": record.region, "languages": list(record.languages),
            "gender": record.gender, "concerns": list(record.concerns),
            "primary_concern": record.primary_concern, "gender_pref": record.gender_pref,
            "preferred_gender": record.preferred_gender, "practice_pref": record.practice_pref,
            "career_pref_similar": record.career_pref_similar, "region_pref": record.region_pref,
            "language_pref": record.language_pref, "preferred_language": record.preferred_language,
            "availability_mask": record.availability_mask, "urgent": record.urgent,
            "consent_version": "2026-11", **stamps})
        conflicts += [{"id": uuid.uuid4(), "intake_id": intake_id, "kind": "firm",
                       "value_index": value, "created_at": now} for value in record.conflict_hashes]
    for model, rows in ((User, users), (VolunteerProfile, profiles), (Intake, intakes),
                        (ConflictEntry, conflicts)):
        for start in range(0, len(rows), 2000):
            session.execute(sa.insert(model), rows[start:start + 2000])
    session.commit()


def run_recompute(session, kind: str = "recompute_waiting", ref: str | None = None) -> list[float]:
    """Every job of one recomputation (the first, then each chunk it queues); seconds each.

    ``recompute_waiting`` goes through every waiting intake; ``recompute_for_volunteer``
    (``ref``: the volunteer) replaces what that volunteer's change can alter.
    """
    from portal.models import OutboxJob, OutboxState
    from portal.services import matching, recompute

    run = {"recompute_waiting": matching.recompute_waiting,
           "recompute_for_volunteer": lambda session, ref: recompute.recompute_for_volunteer(
               session, *recompute.parse_ref(ref))}[kind]
    times, first = [], True
    while first or ref is not None:
        start = time.perf_counter()
        run(session, ref)
        session.commit()
        times.append(time.perf_counter() - start)
        row = session.execute(sa.select(OutboxJob).where(
            OutboxJob.kind == kind, OutboxJob.state == OutboxState.PENDING,
            OutboxJob.ref.is_not(None), OutboxJob.dedupe_key.is_(None))).scalar()
        ref, first = (row.ref if row else None), False
        if row is not None:
            row.state = OutboxState.DONE
            session.commit()
    return times


def most_suggested(session):
    """The volunteer in the most stored suggestions: the change that alters the most."""
    from portal.models import Suggestion, VolunteerProfile

    top = session.execute(sa.select(Suggestion.volunteer_id).group_by(Suggestion.volunteer_id)
                          .order_by(sa.func.count().desc(), Suggestion.volunteer_id)
                          .limit(1)).scalar_one()
    return session.get(VolunteerProfile, top)


def _p50_ms(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.program")
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--waiting", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    from portal.db import db
    from portal.matching import suggest
    from portal.models import Intake, Suggestion, User, VolunteerProfile
    from portal.services import (
        engine_records,
        matching,
        offers,
        planning,
        volunteer_pool,
        volunteers,
    )

    nv, nw = args.volunteers, args.waiting
    with tempfile.TemporaryDirectory() as folder:
        config = bench_config(folder)
        fresh_database(config["DATABASE_URL"])
        app = make_app(config, folder)
        with app.app_context():
            session = db.session
            seed_program(session, nv, nw)
            print(f"seeded {nv} volunteers, {nw} waiting", file=sys.stderr)
            intake = session.execute(sa.select(Intake).limit(1)).scalar_one()
            pool = volunteer_pool.volunteer_pool(session)
            record = engine_records.participant_record(session, intake)
            weights = matching.current_weights(session)
            engine = _p50_ms(lambda: suggest(record, pool, weights, k=5), args.runs)

            def cold():
                volunteer_pool._pool_cache.update(key=None, pool=None)
                volunteer_pool.volunteer_pool(session)

            pool_cold = _p50_ms(cold, 3)

            def warm():
                session.expire_all()
                matching.suggest_for_intake(session, intake.id)
                session.commit()

            warm()
            suggest_warm = _p50_ms(warm, args.runs)
            run_recompute(session)  # every intake has had its suggestions (and its notice)
            profile = session.execute(sa.select(VolunteerProfile).where(
                VolunteerProfile.state == "active").limit(1)).scalar_one()
            volunteers.set_availability(session, profile, profile.availability_mask ^ 1,
                                        actor=session.get(User, profile.user_id))
            session.commit()
            recompute = run_recompute(session, "recompute_for_volunteer", str(profile.id))
            busiest = most_suggested(session)
            held = session.execute(sa.select(sa.func.count()).select_from(Suggestion).where(
                Suggestion.volunteer_id == busiest.id)).scalar()
            coordinator = User(role="coordinator", email_index=secrets.token_hex(32))
            session.add(coordinator)
            session.commit()
            # An offer to that volunteer: their load moves, which queues the same recompute.
            offered = session.execute(sa.select(Suggestion.intake_id).where(
                Suggestion.volunteer_id == busiest.id).order_by(Suggestion.intake_id)
                .limit(1)).scalar_one()
            offers.make_offer(session, session.get(Intake, offered), busiest, actor=coordinator)
            session.commit()
            recompute_offer = run_recompute(session, "recompute_for_volunteer", str(busiest.id))
            volunteers.set_paused(session, busiest, True, actor=session.get(User, busiest.user_id))
            session.commit()
            recompute_busiest = run_recompute(session, "recompute_for_volunteer", str(busiest.id))
            recompute_all = run_recompute(session)  # the baseline: every waiting intake again
            run = planning.start_plan(session, actor=coordinator)
            session.commit()
            start = time.perf_counter()
            planning.run_plan(session, run.id)
            session.commit()
            plan_s = time.perf_counter() - start
        db.session.remove()
        db.engine.dispose()
    print(f"suggest_engine_ms_p50_1x{nv}: {engine:.3g}")
    print(f"pool_cold_ms_{nv}: {pool_cold:.4g}")
    print(f"suggest_warm_ms_p50_1x{nv}: {suggest_warm:.3g}")
    print(f"recompute_all_s: {sum(recompute_all):.3g}")
    print(f"recompute_all_job_max_s: {max(recompute_all):.3g}")
    print(f"recompute_after_change_s: {sum(recompute):.3g}")
    print(f"recompute_job_max_s: {max(recompute):.3g}")
    print(f"recompute_after_change_vs_all_pct: {100 * sum(recompute) / sum(recompute_all):.3g}")
    print(f"busiest_volunteer_suggestions: {held}")
    print(f"recompute_after_offer_s: {sum(recompute_offer):.3g}")
    print(f"recompute_after_offer_vs_all_pct: {100 * sum(recompute_offer) / sum(recompute_all):.3g}")
    print(f"recompute_after_busiest_pauses_s: {sum(recompute_busiest):.3g}")
    print(f"recompute_busiest_job_max_s: {max(recompute_busiest):.3g}")
    print(f"plan_db_{nw}x{nv}_s: {plan_s:.3g}")


if __name__ == "__main__":
    main()
