"""The periodic runner (``python -m workers.clock``): relay, reconcile, housekeeping.

One loop, one process: each task runs in its own app context and its failure is logged
(type only) without stopping the others. Later capabilities add tasks to PERIODIC.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("workers.clock")


@dataclass
class Periodic:
    name: str
    every_seconds: int
    run: Callable[[], object]
    last_run: float = 0.0


def _purge_sessions():
    from flask import current_app
    from sqlalchemy.orm import Session

    from portal.db import db
    from portal.security.sessions import purge_expired

    with Session(db.engine) as store:
        purged = purge_expired(store, current_app)
        store.commit()
    return purged


def _expire_offers():
    """Offers unanswered past their time go back to the coordinator."""
    from portal.db import db
    from portal.models import utcnow
    from portal.services import offers

    expired = offers.expire_due_offers(db.session, utcnow())
    db.session.commit()
    return expired


def _purge_past_retention():
    """Requests ended longer ago than the retention period are erased (kept as statistics)."""
    from portal.db import db
    from portal.services.erasure import purge_past_retention

    purged = purge_past_retention(db.session)
    db.session.commit()
    return purged


def tasks() -> list[Periodic]:
    from workers import dispatch

    return [
        Periodic("outbox relay", 5, dispatch.push_pending),
        Periodic("reconcile", 60, dispatch.reconcile),
        Periodic("purge sessions", 300, _purge_sessions),
        Periodic("expire offers", 60, _expire_offers),
        Periodic("retention purge", 3600, _purge_past_retention),
    ]


def tick(app, schedule: list[Periodic], now: float) -> None:
    """Run every task that is due at ``now``."""
    for task in schedule:
        if now - task.last_run < task.every_seconds:
            continue
        task.last_run = now
        with app.app_context():
            try:
                task.run()
            except Exception as exc:  # keep the clock alive; the next tick tries again
                log.warning("%s failed: %s", task.name, type(exc).__name__)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Run the portal's periodic tasks.")
    parser.add_argument("--once", action="store_true", help="run every task once and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    from portal import create_app

    app = create_app()
    schedule = tasks()
    while True:
        tick(app, schedule, time.monotonic() if not args.once else float("inf"))
        if args.once:
            return
        time.sleep(1)


if __name__ == "__main__":
    main()
