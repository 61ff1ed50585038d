"""Suggestions for one intake against 10,000 volunteers, through the database.

`python -m bench.suggest_db [--volunteers 10000] [--runs 15]` prints:
- `suggest_engine_ms_p50_1x10000`: the engine alone on records already in memory (baseline);
- `suggest_ms_p50_1x10000`: the whole job as the worker runs it: load the volunteers, their
  load and conflict hashes from SQLite, score, store the 5 suggestions, commit (target < 100);
- `suggest_db_overhead_x`: the ratio of the two, measured in the same run;
- `suggest_cold_ms_p50_1x10000`: the whole job when the worker's cached volunteer pool is
  stale (after any volunteer change), so it reloads and re-encodes all 10,000.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid

import sqlalchemy as sa

from portal import vocab


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _app(folder: str):
    from portal import create_app
    from portal.migrations import upgrade

    url = f"sqlite:///{folder}/bench.sqlite3"
    upgrade(url)
    os.environ["PORTAL_INSTANCE"] = folder
    return create_app({"ENV_NAME": "testing", "SECRET_KEY": secrets.token_urlsafe(48),
                       "DATA_KEYS": f"b1:{_key()}", "BLIND_INDEX_KEY": _key(),
                       "AUDIT_KEY": f"b1:{_key()}",
                       "DATABASE_URL": url, "REDIS_URL": "", "RATELIMIT_ENABLED": False})


def _volunteer_rows(n: int, rng: random.Random):
    concerns, bands = vocab.codes(vocab.CONCERNS), vocab.codes(vocab.CAREER_BANDS)
    users, profiles, conflicts = [], [], []
    for _ in range(n):
        user_id, profile_id = uuid.uuid4(), uuid.uuid4()
        users.append({"id": user_id, "role": "volunteer", "email_index": secrets.token_hex(32),
                      "is_enabled": True, "session_epoch": 0, "email_notifications": True,
                      "failed_logins": 0})
        profiles.append({
            "id": profile_id, "user_id": user_id, "state": "active",
            "experience_mask": vocab.mask_of(vocab.CONCERNS, rng.sample(concerns, rng.randint(1, 4))),
            "boundaries_mask": vocab.mask_of(vocab.CONCERNS, rng.sample(concerns, rng.randint(0, 2))),
            "practice_area": rng.choice(vocab.list_codes("practice_areas")),
            "career_band": rng.choice(bands[1:]), "region": rng.choice(vocab.list_codes("regions")),
            "languages_mask": vocab.mask_of(vocab.LANGUAGES,
                                            ["en"] + (["fr"] if rng.random() < 0.2 else [])),
            "gender": rng.choice(vocab.codes(vocab.GENDERS)), "capacity": rng.randint(1, 3),
            "availability_mask": rng.getrandbits(vocab.AVAILABILITY_CELLS), "paused": False})
        conflicts.append({"id": uuid.uuid4(), "volunteer_id": profile_id, "kind": "firm",
                          "value_index": f"firm-{rng.randint(0, 400)}"})
    return users, profiles, conflicts


def _seed(session, n: int) -> uuid.UUID:
    from portal.models import ConflictEntry, Intake, User, VolunteerProfile, utcnow

    rng = random.Random(20261127)
    users, profiles, conflicts = _volunteer_rows(n, rng)
    now = utcnow()
    for row in users:
        row.update(created_at=now, updated_at=now)
    for row in profiles:
        row.update(created_at=now, updated_at=now, state_changed_at=now)
    for row in conflicts:
        row["created_at"] = now
    session.execute(sa.insert(User), users)
    session.execute(sa.insert(VolunteerProfile), profiles)
    session.execute(sa.insert(ConflictEntry), conflicts)
    intake = Intake(alias="Bench", concerns=["grief_loss", "isolation"], primary_concern="grief_loss",
                    career_band="6_10", practice_area="family", region="calgary", languages=["en"],
                    availability_mask=rng.getrandbits(28), region_pref="outside")
    session.add(intake)
    session.flush()
    session.add(ConflictEntry(intake_id=intake.id, kind="firm", value_index="firm-7"))
    session.commit()
    return intake.id


def _p50_ms(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.suggest_db")
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    from portal.db import db
    from portal.matching.engine import as_volunteers, suggest
    from portal.models import Intake
    from portal.services import engine_records, matching, volunteer_pool

    with tempfile.TemporaryDirectory() as folder:
        app = _app(folder)
        with app.app_context():
            intake_id = _seed(db.session, args.volunteers)
            print(f"seeded {args.volunteers} volunteers", file=sys.stderr)
            record = engine_records.participant_record(db.session, db.session.get(Intake, intake_id))
            pool = as_volunteers(engine_records.volunteer_records(db.session))
            weights = matching.current_weights(db.session)
            engine = _p50_ms(lambda: suggest(record, pool, weights, k=5), args.runs)

            def whole_job():
                db.session.expire_all()
                matching.suggest_for_intake(db.session, intake_id)
                db.session.commit()

            def cold_job():
                volunteer_pool._pool_cache.update(key=None, pool=None)
                whole_job()

            whole_job()  # warm: first statement compilation and page cache
            full = _p50_ms(whole_job, args.runs)
            cold = _p50_ms(cold_job, max(3, args.runs // 3))
        db.session.remove()
        db.engine.dispose()
    n = args.volunteers
    print(f"suggest_engine_ms_p50_1x{n}: {engine:.3g}")
    print(f"suggest_ms_p50_1x{n}: {full:.3g}")
    print(f"suggest_db_overhead_x: {full / engine:.3g}")
    print(f"suggest_cold_ms_p50_1x{n}: {cold:.3g}")


if __name__ == "__main__":
    main()
