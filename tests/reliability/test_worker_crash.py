"""Killed work-horses and killed workers: every job finishes exactly once, nothing is lost.

The Procfile's worker runs as a real forking subprocess on real Redis, with a real SMTP
server. Kills land at controlled points: an SMTP server that holds the DATA phase until
the horse is dead, or a database write lock that the job waits on.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import (
    DeliveryStatus,
    Notification,
    OutboxJob,
    OutboxState,
    PlanProposal,
    PlanRun,
    Suggestion,
)
from portal.services import notifications, outbox
from tests.conftest import TEST_DATABASE_URL, Mailbox

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


class HoldingMailbox(Mailbox):
    """An SMTP server that can hold a message's DATA phase until the test lets it go.

    ``hold(accept=False)``: the next DATA waits, then is refused (the client died before
    the server's 250, so nothing was delivered). ``hold(accept=True)``: the next message is
    delivered, and the 250 waits until the test lets it go.
    """

    def __init__(self):
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.holding = None

    def hold(self, *, accept: bool) -> None:
        self.entered.clear()
        self.release.clear()
        self.holding = accept

    async def handle_DATA(self, server, session, envelope):
        accept, self.holding = self.holding, None
        if accept is None:
            return await super().handle_DATA(server, session, envelope)
        if accept:
            await super().handle_DATA(server, session, envelope)
        self.entered.set()
        while not self.release.is_set():
            await asyncio.sleep(0.02)
        return "250 Message accepted for delivery" if accept else "451 Try again later"


@pytest.fixture
def held_mail(app):
    from aiosmtpd.controller import Controller

    box = HoldingMailbox()
    controller = Controller(box, hostname="127.0.0.1", port=app.config["MAIL_PORT"])
    controller.start()
    yield box
    box.release.set()
    controller.stop()


@contextlib.contextmanager
def write_lock(database_url: str, table: str):
    """Hold writes to ``table`` (SQLite: the whole database) until the block ends."""
    if not TEST_DATABASE_URL:
        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=30)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.rollback()
            conn.close()
        return
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        conn.execute(sa.text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


def wait_for(predicate, worker=None, timeout: float = 90, what: str = "the job"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    tail = worker.output()[-4000:] if worker else ""
    raise AssertionError(f"{what} did not finish in {timeout} s\n{tail}")


def outbox_rows(app):
    with app.app_context():
        return db.session.execute(sa.select(OutboxJob).order_by(OutboxJob.id)).scalars().all()


def note_of(app, note_id) -> Notification:
    with app.app_context():
        return db.session.get(Notification, note_id)


def urgent_alert(app, make_user) -> Notification:
    coordinator = make_user("coordinator")
    with app.app_context():
        note = notifications.notify(db.session, coordinator, "safety_flag")
        db.session.commit()
    return note


def recover(app):
    """What the clock does every few seconds: put orphaned jobs back, then push them."""
    from portal.services.outbox import dispatch

    with app.app_context():
        repaired = dispatch.reconcile()
        dispatch.push_pending()
    return repaired


# ---------------------------------------------------------------- mail

def test_an_urgent_email_survives_its_horse_being_killed_mid_send(
        app, make_user, held_mail, start_worker):
    note = urgent_alert(app, make_user)
    held_mail.hold(accept=False)
    worker = start_worker()
    assert held_mail.entered.wait(60), worker.output()[-3000:]
    worker.kill_horse()
    held_mail.release.set()
    wait_for(lambda: note_of(app, note.id).status == DeliveryStatus.SENT, worker)
    assert [m["Message-ID"] for m in held_mail] == [f"<n-{note.id}@portal.test>"]
    assert [row.state for row in outbox_rows(app)] == [OutboxState.DONE]
    assert note_of(app, note.id).attempts == 2


def test_an_email_survives_the_whole_worker_being_killed_mid_send(
        app, make_user, held_mail, start_worker):
    note = urgent_alert(app, make_user)
    held_mail.hold(accept=False)
    first = start_worker()
    assert held_mail.entered.wait(60), first.output()[-3000:]
    first.kill_all()
    held_mail.release.set()
    assert recover(app) == 1  # the dead worker's started job is taken back at once
    second = start_worker()
    wait_for(lambda: note_of(app, note.id).status == DeliveryStatus.SENT, second)
    assert len(held_mail) == 1
    assert [row.state for row in outbox_rows(app)] == [OutboxState.DONE]


def test_a_crash_after_the_servers_250_resends_with_the_same_message_id(
        app, config, make_user, held_mail, start_worker):
    """The one unavoidable duplicate: delivered, then killed before the row said so."""
    note = urgent_alert(app, make_user)
    held_mail.hold(accept=True)
    worker = start_worker()
    assert held_mail.entered.wait(60), worker.output()[-3000:]
    with write_lock(config["DATABASE_URL"], "notification"):
        held_mail.release.set()  # the 250 goes out; the row's update now waits on the lock
        time.sleep(1.0)
        worker.kill_horse()
    wait_for(lambda: note_of(app, note.id).status == DeliveryStatus.SENT, worker)
    ids = [m["Message-ID"] for m in held_mail]
    assert ids == [f"<n-{note.id}@portal.test>"] * 2


def test_many_horse_kills_lose_no_email(app, make_user, held_mail, start_worker):
    coordinators = [make_user("coordinator") for _ in range(2)]
    with app.app_context():
        notes = [notifications.notify(db.session, person, kind)
                 for kind in ("urgent_request", "safety_flag", "new_request")
                 for person in coordinators]
        db.session.commit()
    worker = start_worker()
    for _ in range(3):
        held_mail.hold(accept=False)
        assert held_mail.entered.wait(60), worker.output()[-3000:]
        worker.kill_horse()
        held_mail.release.set()
    wait_for(lambda: all(note_of(app, n.id).status == DeliveryStatus.SENT for n in notes), worker)
    ids = [m["Message-ID"] for m in held_mail]
    assert sorted(ids) == sorted(f"<n-{n.id}@portal.test>" for n in notes)
    assert all(row.state == OutboxState.DONE for row in outbox_rows(app))


# ---------------------------------------------------------------- matching

def suggestion_job(app, make_user, make_intake, make_volunteer):
    make_user("coordinator")
    for _ in range(3):
        make_volunteer()
    intake = make_intake()
    with app.app_context():
        outbox.enqueue(db.session, "suggest_for_intake", intake.id)
        db.session.commit()
    return intake


def suggestions_done_once(app, intake) -> bool:
    with app.app_context():
        stored = db.session.execute(sa.select(Suggestion.volunteer_id).where(
            Suggestion.intake_id == intake.id)).scalars().all()
        told = db.session.execute(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.kind == "suggestions_ready")).scalar_one()
    return len(stored) == len(set(stored)) == 3 and told == 1


def plan_job(app, make_user, make_intake, make_volunteer):
    from portal.services import planning

    coordinator = make_user("coordinator")
    for _ in range(3):
        make_volunteer(capacity=1)
    for _ in range(4):
        make_intake()
    with app.app_context():
        run = planning.start_plan(db.session, actor=coordinator)
        db.session.commit()
    return run


def plan_done_once(app, run) -> bool:
    with app.app_context():
        stored = db.session.get(PlanRun, run.id)
        pairs = db.session.execute(sa.select(PlanProposal.intake_id, PlanProposal.volunteer_id)
                                   .where(PlanProposal.plan_run_id == run.id)).all()
    intakes, volunteers = zip(*pairs, strict=False) if pairs else ((), ())
    return (stored.status == "done" and len(pairs) == 3
            and len(set(intakes)) == len(set(volunteers)) == 3)


# Each matching job: how to queue it, the table its last write goes to, and "done once".
MATCHING_JOBS = {
    "suggestions": (suggestion_job, "suggestion", suggestions_done_once),
    "plan": (plan_job, "plan_proposal", plan_done_once),
}


@pytest.fixture(params=sorted(MATCHING_JOBS))
def matching_job(request, app, config, make_user, make_intake, make_volunteer):
    """A queued matching job, a lock on its last write, and its check (finished exactly once)."""
    queue_it, table, done_once = MATCHING_JOBS[request.param]
    made = queue_it(app, make_user, make_intake, make_volunteer)
    return (lambda: write_lock(config["DATABASE_URL"], table)), (lambda: done_once(app, made))


def _stuck(start_worker):
    """A worker whose horse has done the job's work and waits on its last write."""
    worker = start_worker("--queues", "matching")
    worker.horse()
    time.sleep(1.5)
    return worker


def test_a_matching_job_survives_its_horse_being_killed(app, matching_job, start_worker):
    lock, done_once = matching_job
    with lock():
        worker = _stuck(start_worker)
        worker.kill_horse()
    wait_for(lambda: outbox_rows(app)[0].state == OutboxState.DONE, worker)
    assert done_once()


def test_a_matching_job_survives_the_whole_worker_being_killed(app, matching_job, start_worker):
    lock, done_once = matching_job
    with lock():
        _stuck(start_worker).kill_all()
    assert recover(app) == 1  # the dead worker's started job is taken back at once
    second = start_worker("--queues", "matching")
    wait_for(lambda: outbox_rows(app)[0].state == OutboxState.DONE, second)
    assert done_once()
