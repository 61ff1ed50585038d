"""Jobs Redis lost, or a dead worker orphaned, are put back on a queue by the reconciler."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa
from rq.job import Job
from rq.serializers import JSONSerializer

from portal.config import defaults
from portal.db import db
from portal.models import OutboxJob, OutboxState, utcnow
from portal.services import notifications
from portal.services.outbox import dispatch
from tests.conftest import burst_worker


def one_row(app) -> OutboxJob:
    with app.app_context():
        return db.session.execute(sa.select(OutboxJob)).scalar_one()


def dispatched_notification(app, make_user):
    with app.app_context():
        notifications.notify(db.session, make_user("coordinator"), "new_request")
        db.session.commit()
    row = one_row(app)
    assert row.state == OutboxState.DISPATCHED
    return row


def reconcile(app) -> int:
    with app.app_context():
        return dispatch.reconcile()


def test_a_job_redis_lost_goes_back_to_pending_at_once(app, make_user, redis):
    dispatched_notification(app, make_user)
    redis.flushdb()
    assert reconcile(app) == 1  # no ten-minute wait: the job is simply gone
    assert one_row(app).state == OutboxState.PENDING


def test_a_queued_job_is_left_alone(app, make_user):
    dispatched_notification(app, make_user)
    assert reconcile(app) == 0
    assert one_row(app).state == OutboxState.DISPATCHED


def _started_by(redis, row, worker_name, *, heartbeat_age: int):
    """Mark the row's job as started by a worker that last beat ``heartbeat_age`` s ago."""
    from workers.run import build_worker

    job = Job.fetch(dispatch.job_id(row.id), connection=redis, serializer=JSONSerializer)
    job.set_status("started")
    job.worker_name = worker_name
    job.save()
    worker = build_worker(dispatch.current_app)
    worker.name = worker_name
    worker.register_birth()
    beat = utcnow() - timedelta(seconds=heartbeat_age)
    redis.hset(worker.key, "last_heartbeat", beat.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


def test_a_job_started_by_a_worker_that_stopped_beating_is_taken_back(app, make_user, redis):
    row = dispatched_notification(app, make_user)
    with app.app_context():
        _started_by(redis, row, "silent", heartbeat_age=app.config["WORKER_TTL"] + 60)
    assert reconcile(app) == 1
    assert one_row(app).state == OutboxState.PENDING


def test_a_job_started_by_a_live_worker_is_left_running(app, make_user, redis):
    row = dispatched_notification(app, make_user)
    with app.app_context():
        _started_by(redis, row, "busy", heartbeat_age=1)
    assert reconcile(app) == 0


def test_a_job_rq_gave_up_on_is_run_again_by_the_reconciler(app, make_user, redis, mail):
    from rq.registry import FailedJobRegistry

    row = dispatched_notification(app, make_user)
    job = Job.fetch(dispatch.job_id(row.id), connection=redis, serializer=JSONSerializer)
    FailedJobRegistry("mail", connection=redis, serializer=JSONSerializer).add(job, exc_string="")
    job.set_status("failed")  # what RQ does once its own retries are used up
    assert reconcile(app) == 1
    with app.app_context():
        dispatch.push_pending()
    burst_worker(["mail"], redis).work(burst=True)
    assert one_row(app).state == OutboxState.DONE and len(mail) == 1


def test_a_finished_row_is_never_sent_back(app, make_user, redis):
    row = dispatched_notification(app, make_user)
    redis.flushdb()
    with app.app_context():
        db.session.execute(sa.update(OutboxJob).where(OutboxJob.id == row.id)
                           .values(state=OutboxState.DONE))
        db.session.commit()
    assert reconcile(app) == 0 and one_row(app).state == OutboxState.DONE


def test_production_recovers_within_a_minute_by_default(monkeypatch, tmp_path):
    for name in ("RELAY_SECONDS", "RECONCILE_SECONDS", "JOB_RETRY_INTERVALS",
                 "URGENT_RETRY_INTERVALS", "WORKER_TTL",
                 "OUTBOX_LATE_SECONDS", "URGENT_LATE_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    settings = defaults(str(tmp_path))
    assert settings["RELAY_SECONDS"] == 5
    assert settings["RECONCILE_SECONDS"] == 15  # a lost job is back within 15 s + a relay
    assert settings["JOB_RETRY_INTERVALS"] == (10, 60, 300)
    assert settings["URGENT_RETRY_INTERVALS"] == (2, 10, 60)  # urgent mail retries sooner
    assert settings["WORKER_TTL"] == 30
    # a dead worker's job: at most WORKER_TTL + margin + one reconcile, about a minute
    assert settings["WORKER_TTL"] + dispatch.LIVE_MARGIN + settings["RECONCILE_SECONDS"] <= 60
    assert settings["OUTBOX_LATE_SECONDS"] == 300 and settings["URGENT_LATE_SECONDS"] == 120


def _naive_utc(moment):
    """SQLite hands datetimes back without a zone; compare everything as naive UTC."""
    return moment.replace(tzinfo=None) if moment.tzinfo is None else \
        moment.astimezone(UTC).replace(tzinfo=None)


def _wait_for(condition, what: str, *, hang_bound: float = 120.0) -> None:
    """Poll ``condition``; the bound only stops a hang (speed is for bench/, not tests)."""
    import time

    give_up_at = time.monotonic() + hang_bound
    while not condition():
        assert time.monotonic() < give_up_at, f"never happened: {what}"
        time.sleep(0.1)


def _reconciled_since(app, moment) -> bool:
    """A clock claimed (and so ran) a reconcile period that began after ``moment``."""
    from portal.models import PeriodicTask

    with app.app_context():
        lease = db.session.get(PeriodicTask, "reconcile")
        return lease is not None and lease.last_run_at is not None and \
            _naive_utc(lease.last_run_at) > _naive_utc(moment)


@pytest.mark.slow
def test_after_redis_is_flushed_the_procfile_processes_deliver_everything(
        app, config, make_user, mail, redis, start_worker, tmp_path):
    """No hand-run reconciler: a running clock notices the loss, the worker delivers it all."""
    import subprocess
    import sys

    from portal.models import DeliveryStatus, Notification
    from tests.processes import process_env

    shortened = {"RELAY_SECONDS": 1, "RECONCILE_SECONDS": 2}
    clock = subprocess.Popen([sys.executable, "-m", "workers.clock"],
                             env=process_env(config, tmp_path, **shortened),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        people = [make_user("coordinator") for _ in range(3)]
        with app.app_context():
            notes = [notifications.notify(db.session, person, kind) for person in people
                     for kind in ("new_request", "urgent_request")]
            db.session.commit()
        created_at = utcnow()
        # the clock has been reconciling all along, and left these queued jobs alone
        _wait_for(lambda: _reconciled_since(app, created_at), "a reconcile pass")
        with app.app_context():
            assert all(job.state == OutboxState.DISPATCHED
                       for job in db.session.execute(sa.select(OutboxJob)).scalars())
        redis.flushdb()  # every queued job is gone; the rows still say "dispatched"
        flushed_at = utcnow()
        worker = start_worker()
        _wait_for(lambda: len(mail) >= len(notes), f"{len(notes)} mails delivered")
    finally:
        clock.terminate()
        clock.wait(timeout=30)
    assert sorted(m["Message-ID"] for m in mail) == sorted(
        f"<n-{note.id}@portal.test>" for note in notes), worker.output()[-3000:]
    with app.app_context():
        assert all(db.session.get(Notification, n.id).status == DeliveryStatus.SENT for n in notes)
        jobs = db.session.execute(sa.select(OutboxJob)).scalars().all()
    # Each job was pushed again after the flush: only the reconciler's pass makes a
    # dispatched row pending, and only then does the relay dispatch it anew.
    assert jobs and all(job.state == OutboxState.DONE for job in jobs)
    assert all(_naive_utc(job.dispatched_at) > _naive_utc(flushed_at) for job in jobs)
    assert _reconciled_since(app, flushed_at)
