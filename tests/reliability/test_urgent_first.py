"""Urgent notifications travel on their own queue, which every worker serves first."""

from __future__ import annotations

import shlex
import time

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import DeliveryStatus, Notification, OutboxJob, OutboxState
from portal.services import notifications, outbox, settings
from portal.services.outbox import dispatch
from tests.conftest import ROOT_DIR


def queues_of(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(row.ref, row.queue) for row in
                db.session.execute(sa.select(OutboxJob).order_by(OutboxJob.id)).scalars()]


def test_urgent_notifications_go_on_the_urgent_queue_and_routine_ones_on_mail(app, make_user):
    person = make_user("coordinator")
    with app.app_context():
        routine = notifications.notify(db.session, person, "new_request")
        urgent = notifications.notify(db.session, person, "safety_flag")
        db.session.commit()
    assert queues_of(app) == [(str(routine.id), "mail"), (str(urgent.id), "urgent")]


def test_a_retried_urgent_email_stays_urgent(app, make_user):
    person = make_user("coordinator")
    with app.app_context():
        note = notifications.notify(db.session, person, "urgent_request")
        db.session.commit()
        note.status = DeliveryStatus.FAILED
        notifications.retry(db.session, note, actor=make_user("admin"))
        db.session.commit()
    assert [queue for _, queue in queues_of(app)] == ["urgent", "urgent"]


def test_the_relay_pushes_urgent_rows_before_any_backlog(app, make_user, redis_server):
    person = make_user("coordinator")
    app.config["REDIS_URL"] = app.extensions["redis_url"] = redis_server.url
    redis_server.stop()
    with app.app_context():
        for _ in range(10):
            notifications.notify(db.session, person, "new_request")
        urgent = notifications.notify(db.session, person, "urgent_request")
        db.session.commit()
    redis_server.start()
    dispatch._redis_failed_at = 0.0
    with app.app_context():
        assert dispatch.push_pending(limit=3) == 3
        first = db.session.execute(sa.select(OutboxJob).where(
            OutboxJob.ref == str(urgent.id))).scalar_one()
    assert first.state == OutboxState.DISPATCHED


def test_urgent_mail_ignores_quiet_hours_and_routine_mail_waits(app, make_user):
    person = make_user("coordinator")
    with app.app_context():
        settings.put(db.session, "quiet_hours",
                     {"start": "00:00", "end": "23:59", "timezone": "UTC"}, actor=person)
        db.session.commit()
        routine = notifications.notify(db.session, person, "new_request")
        urgent = notifications.notify(db.session, person, "urgent_request")
        db.session.commit()
    assert routine.send_after is not None and urgent.send_after is None


@pytest.mark.slow
def test_with_a_backlog_queued_the_urgent_email_is_sent_first(app, make_user, mail, start_worker):
    people = [make_user("coordinator") for _ in range(4)]
    with app.app_context():
        for _ in range(5):
            for person in people:
                notifications.notify(db.session, person, "new_request")
        for _ in range(3):
            outbox.enqueue(db.session, "recompute_waiting")
        urgent = notifications.notify(db.session, people[0], "urgent_request")
        db.session.commit()
    worker = start_worker("--burst")
    worker.process.wait(timeout=120)
    ids = [m["Message-ID"] for m in mail]
    assert len(ids) == 21, worker.output()[-3000:]
    assert ids[0] == f"<n-{urgent.id}@portal.test>"


def procfile_workers() -> list[list[str]]:
    """The worker commands of the Procfile, as argument lists after ``python -m workers.run``."""
    lines = (ROOT_DIR / "Procfile").read_text().splitlines()
    commands = [shlex.split(line.partition(":")[2]) for line in lines if "workers.run" in line]
    return [command[command.index("workers.run") + 1:] for command in commands]


@pytest.mark.slow
def test_an_urgent_email_goes_out_while_the_matching_worker_is_busy_with_a_long_job(
        app, make_user, mail, redis, start_worker):
    coordinator = make_user("coordinator")
    assert len(procfile_workers()) >= 2, "the Procfile runs a mail lane beside the worker"
    # A stand-in for a long matching job: half a minute of work on the matching queue.
    dispatch.queue("matching", redis).enqueue("time.sleep", 30, job_timeout=60)
    workers = [start_worker(*args) for args in procfile_workers()]
    workers[0].horse()  # the main worker is busy now
    with app.app_context():
        note = notifications.notify(db.session, coordinator, "safety_flag")
        db.session.commit()
    deadline = time.monotonic() + 20
    while not mail and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [m["Message-ID"] for m in mail] == [f"<n-{note.id}@portal.test>"], \
        workers[-1].output()[-3000:]
    # The worker records the delivery just after the server's 250: wait for that commit too.
    status = None
    while status != DeliveryStatus.SENT and time.monotonic() < deadline + 10:
        with app.app_context():
            status = db.session.get(Notification, note.id).status
        time.sleep(0.1)
    assert status == DeliveryStatus.SENT
