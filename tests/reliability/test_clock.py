"""Any number of clocks: each periodic task runs once per period, with or without Redis."""

import logging
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.orm import Session

from portal.db import db, make_engine
from portal.models import OutboxJob, OutboxState, PeriodicTask, ServerSession, utcnow
from portal.services import outbox
from portal.services.outbox import dispatch
from workers import clock

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
# Each process has its own monotonic clock, unrelated to the other's or to the wall.
MONOTONIC_BASE = {"a": 1000.0, "b": 52.0}


class Runs:
    """Periodic tasks that write down the wall time of each of their runs."""

    def __init__(self):
        self.times: dict[str, list[datetime]] = {}

    def schedule(self, periods: dict[str, int]) -> list[clock.Periodic]:
        return [clock.Periodic(name, every, self._recorder(name))
                for name, every in periods.items()]

    def _recorder(self, name):
        def run():
            self.times.setdefault(name, []).append(utcnow())
        return run


def tick_at(app, schedules, name, seconds, **kwargs):
    """Clock ``name`` ticks ``seconds`` after START (its monotonic clock moves alike)."""
    with time_machine.travel(START + timedelta(seconds=seconds), tick=False):
        clock.tick(app, schedules[name], MONOTONIC_BASE[name] + seconds, **kwargs)


def simulate(app, schedules, phases, seconds, until=None):
    """Each clock ticks once a second at its own phase; ``until`` stops a clock early."""
    until = until or {}
    ticks = sorted((second + phase, name) for name, phase in phases.items()
                   for second in range(seconds) if second + phase < until.get(name, seconds))
    for at, name in ticks:
        tick_at(app, schedules, name, at)


def gaps(times):
    return [(later - earlier).total_seconds() for earlier, later in pairwise(times)]


PERIODS = {"every 3 s": 3, "every 7 s": 7, "every 60 s": 60}


# Phases are exact binary fractions, so simulated monotonic sums carry no rounding.
@pytest.mark.parametrize("phases", [{"a": 0.0, "b": 0.0}, {"a": 0.0, "b": 0.5},
                                    {"a": 0.75, "b": 0.25}],
                         ids=["same instant", "b just after a", "b just before a"])
def test_two_clocks_run_each_task_once_per_period(app, phases):
    runs = Runs()
    schedules = {"a": runs.schedule(PERIODS), "b": runs.schedule(PERIODS)}
    simulate(app, schedules, phases, seconds=60)
    first, last = min(phases.values()), 59 + max(phases.values())
    assert len(runs.times["every 60 s"]) == 1
    assert runs.times["every 3 s"][0] == START + timedelta(seconds=first)
    for name in ("every 3 s", "every 7 s"):
        every = PERIODS[name]
        assert all(gap == every for gap in gaps(runs.times[name])), runs.times[name]
        assert len(runs.times[name]) == 1 + int((last - first) // every)


def test_when_the_old_clock_stops_the_new_one_takes_over_without_a_double_run(app):
    runs = Runs()
    schedules = {"a": runs.schedule(PERIODS), "b": runs.schedule(PERIODS)}
    # A deploy overlap: the new clock b starts at 10 s, the old clock a stops at 30 s.
    phases = {"a": 0.0, "b": 0.5}
    ticks = sorted([(s + phases["a"], "a") for s in range(30)]
                   + [(s + phases["b"], "b") for s in range(10, 90)])
    for at, name in ticks:
        tick_at(app, schedules, name, at, holder=f"clock {name}")
    for name in ("every 3 s", "every 7 s", "every 60 s"):
        every = PERIODS[name]
        assert all(every <= gap < every + 1 for gap in gaps(runs.times[name])), runs.times[name]
    assert len(runs.times["every 60 s"]) == 2  # at 0 s by a, at 60.5 s by b
    with app.app_context():
        holders = dict(db.session.execute(
            sa.select(PeriodicTask.name, PeriodicTask.last_holder)).all())
    assert holders == dict.fromkeys(PERIODS, "clock b")


def test_the_outbox_intervals_come_from_the_config():
    periods = {t.name: t.every_seconds for t in clock.tasks({"RELAY_SECONDS": 2,
                                                             "RECONCILE_SECONDS": 9})}
    assert periods["outbox relay"] == 2 and periods["reconcile"] == 9
    assert {t.name: t.every_seconds for t in clock.tasks()}["outbox relay"] == 5


def add_pending_job(app) -> int:
    # A plain Session: the app's session would push the row to RQ right after the commit.
    with app.app_context(), Session(db.engine) as store:
        row = outbox.enqueue(store, "recompute_waiting")
        store.commit()
        return row.id


def outbox_state(app, row_id):
    with app.app_context():
        return db.session.get(OutboxJob, row_id).state


def test_with_the_real_tasks_a_second_clock_waits_for_the_next_period(app, redis):
    schedules = {"a": clock.tasks(), "b": clock.tasks()}
    relay_every = next(t.every_seconds for t in schedules["a"] if t.name == "outbox relay")
    tick_at(app, schedules, "a", 0)
    with time_machine.travel(START, tick=False):
        row_id = add_pending_job(app)
    tick_at(app, schedules, "b", 0.5)
    # This period's relay already ran on clock a: clock b does not run it again.
    assert outbox_state(app, row_id) == OutboxState.PENDING
    tick_at(app, schedules, "a", relay_every - 1)
    assert outbox_state(app, row_id) == OutboxState.PENDING
    tick_at(app, schedules, "b", relay_every + 0.5)
    tick_at(app, schedules, "a", relay_every + 1)
    assert outbox_state(app, row_id) == OutboxState.DISPATCHED
    assert dispatch.queue("matching", redis).job_ids == [dispatch.job_id(row_id)]
    with app.app_context():
        leases = db.session.execute(sa.select(PeriodicTask)).scalars().all()
    assert {lease.name for lease in leases} == {t.name for t in clock.tasks()}


def add_expired_session(app, name):
    with app.app_context():
        past = utcnow() - timedelta(days=2)
        db.session.add(ServerSession(id=name, created_at=past, last_seen_at=past, expires_at=past))
        db.session.commit()


def test_with_redis_down_the_clocks_keep_running_the_database_tasks(app, redis_server, caplog):
    caplog.set_level(logging.INFO)
    app.config["REDIS_URL"] = app.extensions["redis_url"] = redis_server.url
    redis_server.stop()
    schedules = {"a": clock.tasks(), "b": clock.tasks()}
    with time_machine.travel(START, tick=False):
        row_id = add_pending_job(app)
    for seconds in (0, 300, 600):  # the session purge runs every 300 s
        with time_machine.travel(START + timedelta(seconds=seconds), tick=False):
            add_expired_session(app, f"expired at {seconds}")
        tick_at(app, schedules, "a", seconds)
        tick_at(app, schedules, "b", seconds + 0.5)
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(ServerSession)) == 0
            runs = dict(db.session.execute(
                sa.select(PeriodicTask.name, PeriodicTask.last_run_at)).all())
        assert runs["purge sessions"] == runs["expire offers"] == START + timedelta(seconds=seconds)
        assert runs["outbox relay"] == START + timedelta(seconds=seconds)
    assert outbox_state(app, row_id) == OutboxState.PENDING  # waits for Redis, not lost
    assert "Connection refused" not in caplog.text and "Error 111" not in caplog.text


def test_with_the_database_unreachable_the_clock_logs_and_claims_at_the_next_tick(
        app, tmp_path, caplog):
    runs = Runs()
    schedules = {"a": runs.schedule({"every 60 s": 60})}
    working = db.engine
    db.engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.sqlite3'}")
    try:
        tick_at(app, schedules, "a", 0)
    finally:
        db.engine.dispose()
        db.engine = working
    assert runs.times == {}
    assert "every 60 s: could not claim a period: OperationalError" in caplog.text
    assert "unable to open" not in caplog.text  # the type only, never the message
    tick_at(app, schedules, "a", 1)
    assert runs.times["every 60 s"] == [START + timedelta(seconds=1)]


def test_a_failing_task_is_logged_by_type_and_the_others_still_run(app, caplog):
    runs = Runs()

    def fail():
        raise ValueError("a value someone typed")

    schedule = [clock.Periodic("fails", 5, fail), *runs.schedule({"works": 5})]
    tick_at(app, {"a": schedule}, "a", 0)
    assert runs.times["works"] == [START]
    assert "fails failed: ValueError" in caplog.text
    assert "someone typed" not in caplog.text


# ---------------------------------------------------------------- the real process

def clock_env(config, tmp_path, **extra):
    return {**os.environ, "PORTAL_ENV": "testing", "PORTAL_INSTANCE": str(tmp_path / "clock"),
            "SECRET_KEY": config["SECRET_KEY"], "DATA_KEYS": config["DATA_KEYS"],
            "BLIND_INDEX_KEY": config["BLIND_INDEX_KEY"], "AUDIT_KEY": config["AUDIT_KEY"],
            "DATABASE_URL": config["DATABASE_URL"],
            "REDIS_URL": config["REDIS_URL"], **extra}


def start_clock(env, log_path, *args):
    with open(log_path, "w") as log_file:
        return subprocess.Popen([sys.executable, "-m", "workers.clock", *args], env=env,
                                stdout=log_file, stderr=subprocess.STDOUT)


def wait_for(predicate, timeout=60.0, what="the clock"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"waited {timeout:.0f} s for {what}"
        time.sleep(0.1)


def stop(process, signum=signal.SIGTERM, timeout=15):
    if process.poll() is None:
        process.send_signal(signum)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


CLAIM = re.compile(r"workers\.clock DEBUG (?P<task>.+): period from (?P<at>\S+) "
                   r"claimed by (?P<holder>\S+)$")


def claims(*logs):
    """Every claim written in the clocks' verbose logs, by task, in time order."""
    found: dict[str, list[tuple[datetime, str]]] = {}
    for text in logs:
        for match in map(CLAIM.search, text.splitlines()):
            if match:
                found.setdefault(match["task"], []).append(
                    (datetime.fromisoformat(match["at"]), match["holder"]))
    return {task: sorted(times) for task, times in found.items()}


@pytest.mark.slow
def test_two_real_clock_processes_run_each_task_once_per_period(app, config, redis, tmp_path):
    row_id = add_pending_job(app)
    env = clock_env(config, tmp_path, RELAY_SECONDS="1", RECONCILE_SECONDS="2")
    logs = [tmp_path / "clock-1.log", tmp_path / "clock-2.log"]
    periods = {t.name: t.every_seconds
               for t in clock.tasks({"RELAY_SECONDS": 1, "RECONCILE_SECONDS": 2})}

    def enough_periods():  # as many periods as six seconds gave, without waiting six
        found = claims(*(path.read_text() for path in logs))
        return set(found) == set(periods) and len(found["outbox relay"]) >= 5 \
            and len(found["reconcile"]) >= 3

    processes = [start_clock(env, path, "--verbose") for path in logs]
    try:
        wait_for(lambda: all("started" in path.read_text() for path in logs))
        wait_for(enough_periods, what="five relays and three reconciles")
        codes = [stop(process) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    texts = [path.read_text() for path in logs]
    assert codes == [0, 0], texts
    assert not any("Traceback" in text for text in texts), texts
    found = claims(*texts)
    assert set(found) == set(periods)
    for name, runs in found.items():
        assert all(gap >= periods[name] for gap in gaps([at for at, _ in runs])), (name, runs)
    assert len(found["outbox relay"]) >= 3 and len(found["reconcile"]) >= 2
    assert all(len(found[name]) == 1 for name in periods if periods[name] >= 60)
    with app.app_context():
        leases = {lease.name: (lease.last_run_at, lease.last_holder)
                  for lease in db.session.execute(sa.select(PeriodicTask)).scalars()}
    assert leases == {name: runs[-1] for name, runs in found.items()}
    assert outbox_state(app, row_id) == OutboxState.DISPATCHED
    assert dispatch.queue("matching", redis).job_ids == [dispatch.job_id(row_id)]


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_the_clock_stops_quietly_on_a_signal(app, config, tmp_path, signum):
    log_path = tmp_path / "clock.log"
    process = start_clock(clock_env(config, tmp_path), log_path)
    try:
        wait_for(lambda: "started" in log_path.read_text())
        code = stop(process, signum)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = log_path.read_text()
    assert code == 0, output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
    assert "stopped" in output
