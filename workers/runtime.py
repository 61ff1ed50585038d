"""How a job runs: one app per worker process, one app context and one transaction per job.

RQ calls ``run_outbox_job(outbox_id)`` with an id only (arguments sit in Redis and logs).
The row names the handler; the handler's work and the row's ``done`` commit together, so a
crash in between leaves the row to be run again, and handlers are written to be re-runnable.
"""

from __future__ import annotations

import contextlib
import logging

import sqlalchemy as sa

from portal.db import db
from portal.models import OutboxJob, OutboxState, utcnow
from portal.security import audit
from portal.services import program_lists, settings
from portal.services.outbox import registry
from portal.services.outbox.dispatch import job_id

log = logging.getLogger("workers.runtime")


class JobFailed(RuntimeError):
    """A handler failed; the message names the error type only, never values."""

_app = None


def use_app(app) -> None:
    """Run jobs in this process with ``app`` (the worker entry point and tests set it)."""
    global _app
    _app = app


def get_app():
    global _app
    if _app is None:
        from portal import create_app

        _app = create_app()
    return _app


# Queues whose jobs read the encoded volunteer pool: the worker's parent keeps it warm.
POOL_QUEUES = frozenset({"matching"})


def prepare_fork(queue_name: str) -> None:
    """Before a horse forks for a matching job: bring this process's volunteer pool up to date.

    The horse inherits the parent's memory, so the pool built here (at most once per change
    of volunteers, conflicts or loads) survives every job instead of dying with each horse.
    Never fatal: the job checks the pool again itself and rebuilds it if it must.
    """
    if queue_name not in POOL_QUEUES:
        return
    from portal.services import volunteer_pool

    try:
        with get_app().app_context():
            volunteer_pool.volunteer_pool(db.session)
    except Exception as exc:
        log.warning("could not refresh the volunteer pool before a job: %s", type(exc).__name__)


def run_outbox_job(outbox_id: int) -> str:
    """Run the handler named by outbox row ``outbox_id`` unless it is already done.

    Returns only once the work and the row's ``done`` are committed; anything less raises,
    so RQ retries it (and the reconciler, should RQ give up).
    """
    settings.forget_cached()  # a job reads the settings as they are now, never a copy
    program_lists.forget_cached()  # and the program's lists
    with get_app().app_context():
        audit.request_id.set(job_id(outbox_id))  # this job's audit events name it
        session, kind = db.session, "job"
        try:
            row = session.get(OutboxJob, outbox_id)
            if row is None or row.state == OutboxState.DONE:
                return "skipped"
            kind, ref = row.kind, row.ref
            registry.handler(kind)(session, ref)
            _finish(session, outbox_id, OutboxState.DONE, error=None)
            session.commit()
        except Exception as exc:
            _record_failure(session, outbox_id, type(exc).__name__)
            # The type only: a message could carry a value someone typed.
            log.warning("job %s #%s did not finish: %s", kind, outbox_id, type(exc).__name__)
            # RQ keeps the traceback in Redis: hand it the type, never the original message.
            raise JobFailed(f"{kind} failed with {type(exc).__name__}") from None
        return "done"


def _record_failure(session, outbox_id: int, error: str) -> None:
    """Count the attempt if the database still answers; the retry happens either way."""
    try:
        session.rollback()
        _finish(session, outbox_id, None, error=error)
        session.commit()
    except Exception as exc:  # the database itself may be what failed
        log.warning("could not record the failure of #%s: %s", outbox_id, type(exc).__name__)
        with contextlib.suppress(Exception):  # nothing more can be released
            session.invalidate()


def _finish(session, outbox_id: int, state: OutboxState | None, error: str | None) -> None:
    values = {"attempts": OutboxJob.attempts + 1, "last_error": error}
    if state is not None:
        values.update(state=state, finished_at=utcnow())
    session.execute(sa.update(OutboxJob).where(OutboxJob.id == outbox_id).values(**values))
