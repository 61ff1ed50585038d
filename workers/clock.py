"""The periodic runner (``python -m workers.clock``): relay, reconcile, housekeeping, audit.

Any number of clocks may run (a deploy overlap, a second host). Before running a task a
clock claims its current period in the ``periodic_task`` table with one conditional UPDATE,
so exactly one clock runs each period. The claim needs only the database, so the clock keeps
working while Redis is down. Each task runs in its own app context and its failure is logged
(type only) without stopping the others. SIGINT and SIGTERM stop it after the task in hand.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.db import db
from portal.models import PeriodicTask, utcnow
from portal.security import audit

log = logging.getLogger("workers.clock")
LEASES = PeriodicTask.__table__


@dataclass
class Periodic:
    name: str
    every_seconds: float
    run: Callable[[], object]
    # This clock's monotonic time at which the task is worth claiming again (0: at once).
    next_try: float = 0.0


def _purge_sessions():
    from flask import current_app
    from sqlalchemy.orm import Session

    from portal.security.sessions import purge_expired

    with Session(db.engine) as store:
        purged = purge_expired(store, current_app)
        store.commit()
    return purged


def _expire_offers():
    """Offers unanswered past their time go back to the coordinator."""
    from portal.services import offers

    expired = offers.expire_due_offers(db.session, utcnow())
    db.session.commit()
    return expired


def _purge_past_retention():
    """Requests ended longer ago than the retention period are erased (kept as statistics)."""
    from portal.services.erasure import purge_past_retention

    purged = purge_past_retention(db.session)
    db.session.commit()
    return purged


def _verify_audit_chain():
    """The whole audit chain walked and checked; admins hear of a break once, this log always."""
    from portal.services import audit_check

    outcome = audit_check.check_chain(db.session)
    db.session.commit()
    result, broken = outcome.verification, outcome.verification.broken
    if broken is None:
        log.info("audit chain intact: %d events", result.events)
    elif outcome.told:
        log.error("audit chain broken at event %s: %s; %d admins notified",
                  broken.event_id, broken.problem, outcome.told)
    else:
        log.error("audit chain broken at event %s: %s; admins already notified of it",
                  broken.event_id, broken.problem)
    return outcome


def _send_reminders():
    """Follow-through reminders now due (first contact, offers about to end), each once."""
    from portal.services import follow_through

    sent = follow_through.send_due_reminders(db.session)
    db.session.commit()
    return sent


def _ask_outcomes():
    """"Is this helping?" at 30 and 90 days into each relationship."""
    from portal.services import outcomes

    asked = outcomes.ask_due(db.session)
    db.session.commit()
    return asked


def _ask_wellbeing():
    """The monthly private question to each active volunteer."""
    from portal.services import volunteer_care

    asked = volunteer_care.ask_due(db.session)
    db.session.commit()
    return asked


def _remind_renewals():
    """Volunteers whose approval ends soon: one reminder each per valid-until date; those whose
    approval has just lapsed leave the suggestions they were in."""
    from portal.services import approvals

    sent = approvals.send_due_reminders(db.session)
    approvals.recompute_after_lapses(db.session)
    db.session.commit()
    return sent


def tasks(config: Mapping | None = None) -> list[Periodic]:
    """The periodic tasks; their intervals come from ``config``, else the environment."""
    from portal.config import defaults
    from portal.services.outbox import dispatch

    config = {**defaults(instance_path=""), **(config or {})}
    return [
        Periodic("outbox relay", config["RELAY_SECONDS"], dispatch.push_pending),
        Periodic("reconcile", config["RECONCILE_SECONDS"], dispatch.reconcile),
        Periodic("purge sessions", 300, _purge_sessions),
        Periodic("expire offers", 60, _expire_offers),
        Periodic("follow-through reminders", 600, _send_reminders),
        Periodic("volunteer wellbeing", 3600, _ask_wellbeing),
        Periodic("approval renewals", 3600, _remind_renewals),
        Periodic("outcome questions", 3600, _ask_outcomes),
        Periodic("retention purge", 3600, _purge_past_retention),
        Periodic("verify audit chain", config["AUDIT_VERIFY_SECONDS"], _verify_audit_chain),
    ]


# ---------------------------------------------------------------- the lease

def this_clock() -> str:
    """Who holds a claim: host and process, so an operator can tell the clocks apart."""
    return f"{socket.gethostname()}:{os.getpid()}"[:160]


def claim_period(name: str, every_seconds: float, holder: str, now: datetime) -> bool:
    """Claim the period starting ``now`` for ``holder``: one clock only gets each period."""
    if _take(name, every_seconds, holder, now):
        return True
    if _lease(name) is not None:
        return False
    _add_lease(name)  # the first claim anywhere: there was no row to update yet
    return _take(name, every_seconds, holder, now)


def _take(name: str, every_seconds: float, holder: str, now: datetime) -> bool:
    free = sa.or_(LEASES.c.last_run_at.is_(None),
                  LEASES.c.last_run_at <= now - timedelta(seconds=every_seconds))
    with db.engine.begin() as conn:
        result = conn.execute(sa.update(LEASES).where(LEASES.c.name == name, free)
                              .values(last_run_at=now, last_holder=holder))
    return result.rowcount == 1


def _lease(name: str) -> sa.Row | None:
    """The task's lease row (its ``last_run_at``), or None before any clock claimed it."""
    with db.engine.connect() as conn:
        return conn.execute(sa.select(LEASES.c.last_run_at).where(LEASES.c.name == name)).first()


def _add_lease(name: str) -> None:
    try:
        with db.engine.begin() as conn:
            conn.execute(sa.insert(LEASES).values(name=name))
    except sa.exc.IntegrityError:
        pass  # another clock added it at the same moment: the same row either way


def seconds_until_free(name: str, every_seconds: float, now: datetime) -> float:
    """How long until the period another clock claimed is over."""
    lease = _lease(name)
    if lease is None or lease.last_run_at is None:
        return 0.0
    return max(0.0, every_seconds - (now - lease.last_run_at).total_seconds())


# ---------------------------------------------------------------- the loop

def tick(app, schedule: list[Periodic], now: float, holder: str | None = None) -> None:
    """Run each task that looks due at ``now`` (monotonic) and whose period this clock claims."""
    holder = holder or this_clock()
    for task in schedule:
        if now >= task.next_try:
            with app.app_context():
                task.next_try = now + _claim_and_run(task, holder)


def _claim_and_run(task: Periodic, holder: str) -> float:
    """Run ``task`` if this clock claims its period; seconds until it is worth trying again."""
    started = utcnow()
    try:
        if not claim_period(task.name, task.every_seconds, holder, started):
            return seconds_until_free(task.name, task.every_seconds, started)
    except sa.exc.SQLAlchemyError as exc:
        log.warning("%s: could not claim a period: %s", task.name, type(exc).__name__)
        return 0.0  # the database is unreachable or busy: try again at the next tick
    log.debug("%s: period from %s claimed by %s", task.name, started.isoformat(), holder)
    audit.request_id.set("clock:" + task.name.replace(" ", "-"))  # what its audit events name
    try:
        task.run()
    except Exception as exc:  # keep the clock alive; the next period tries again
        log.warning("%s failed: %s", task.name, type(exc).__name__)
    return task.every_seconds


class StopRequest:
    """Set by SIGINT or SIGTERM; the loop ends after the task in hand, never inside it."""

    def __init__(self):
        self.requested = False
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._request)

    def _request(self, _signum, _frame) -> None:
        self.requested = True


def main(argv=None) -> None:
    stop = StopRequest()  # first, so a Ctrl+C while the app loads is no traceback either
    parser = argparse.ArgumentParser(description="Run the portal's periodic tasks.")
    parser.add_argument("--once", action="store_true",
                        help="run every task whose period no clock has claimed yet, then exit")
    parser.add_argument("--verbose", action="store_true", help="log each period this clock claims")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    log.setLevel(logging.DEBUG if args.verbose else logging.INFO)

    from portal import create_app

    app = create_app()
    schedule, holder = tasks(app.config), this_clock()
    log.info("clock %s started", holder)
    while not stop.requested:
        tick(app, schedule, float("inf") if args.once else time.monotonic(), holder)
        if args.once:
            break
        time.sleep(1)
    log.info("clock %s stopped", holder)


if __name__ == "__main__":
    main()
