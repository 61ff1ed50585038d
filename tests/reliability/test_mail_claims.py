"""A notification claimed for sending: taken over when its claimant died, waited for if not."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import DeliveryStatus, Notification, OutboxJob, OutboxState, utcnow
from portal.services import notifications
from portal.services.outbox import liveness
from workers.jobs.notifications import CLAIM_LEASE


@pytest.fixture
def claimed(app, make_user, redis):
    """claimed(by, age) → a notification left 'sending' by ``by``, ``age`` ago."""

    def make(by: str, age: timedelta = timedelta(seconds=5)) -> Notification:
        with app.app_context():
            note = notifications.notify(db.session, make_user("coordinator"), "urgent_request")
            db.session.commit()
            db.session.execute(sa.update(Notification).where(Notification.id == note.id).values(
                status=DeliveryStatus.SENDING, claimed_by=by, claimed_at=utcnow() - age))
            db.session.commit()
        return note

    return make


@pytest.fixture
def live_process():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def identity_of(pid: int) -> str:
    return liveness._identity(pid)


def status_of(app, note) -> tuple[DeliveryStatus, OutboxState]:
    with app.app_context():
        row = db.session.execute(sa.select(OutboxJob.state)).scalar_one()
        return db.session.get(Notification, note.id).status, row


def test_a_claim_held_by_a_live_process_is_waited_for_and_the_job_is_not_done(
        app, claimed, live_process, mail, run_jobs):
    note = claimed(identity_of(live_process.pid))
    run_jobs()
    assert mail == []
    assert status_of(app, note) == (DeliveryStatus.SENDING, OutboxState.DISPATCHED)


def test_the_claim_of_a_process_that_died_is_taken_over_at_once(app, claimed, mail, run_jobs):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    pid = int(ended.stdout)
    note = claimed(f"{liveness.identity().split(':')[0]}:{pid}:12345")
    run_jobs()
    assert [m["Message-ID"] for m in mail] == [f"<n-{note.id}@portal.test>"]
    assert status_of(app, note) == (DeliveryStatus.SENT, OutboxState.DONE)


def test_a_claim_from_another_host_is_waited_for_within_its_lease(app, claimed, mail, run_jobs):
    note = claimed("another-host:4242:999")
    run_jobs()
    assert mail == [] and status_of(app, note)[0] == DeliveryStatus.SENDING


def test_a_claim_past_its_lease_is_taken_over_from_any_host(app, claimed, mail, run_jobs):
    note = claimed("another-host:4242:999", age=CLAIM_LEASE + timedelta(seconds=1))
    run_jobs()
    assert len(mail) == 1 and status_of(app, note) == (DeliveryStatus.SENT, OutboxState.DONE)


def test_this_processs_own_idle_claim_is_taken_over(app, claimed, mail, run_jobs):
    """A job that failed after claiming (a dropped connection) and runs again in-process."""
    note = claimed(liveness.identity())
    run_jobs()
    assert len(mail) == 1 and status_of(app, note)[0] == DeliveryStatus.SENT


def test_the_lease_outlives_any_mail_job():
    from portal.services.outbox.registry import MAIL_JOB_TIMEOUT

    assert CLAIM_LEASE.total_seconds() > MAIL_JOB_TIMEOUT


def test_a_zombie_or_ended_process_is_known_dead_and_a_live_one_is_not(live_process):
    assert not liveness.known_dead(identity_of(live_process.pid))
    assert not liveness.known_dead(liveness.identity())
    live_process.kill()
    live_process.wait()
    assert liveness.known_dead(identity_of(live_process.pid))
    assert not liveness.known_dead("another-host:1:1")  # elsewhere: only a lease can tell
