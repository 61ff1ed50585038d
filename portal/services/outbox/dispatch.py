"""The outbox dispatcher: pushes committed job rows to RQ, and repairs what Redis lost.

Pushing happens right after a commit that wrote outbox rows (best effort, never failing
the request), every few seconds from the clock process, when a worker starts, and from
``flask outbox relay``. A row is marked dispatched only after RQ has it, with a
conditional update, so a fast worker that already finished the job is never overwritten.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, timedelta

import redis
import sqlalchemy as sa
from flask import current_app
from rq import Queue, Retry, Worker
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from sqlalchemy.orm import Session

from portal.db import db
from portal.models import OutboxJob, OutboxState, utcnow
from portal.services.outbox import liveness
from portal.services.outbox.registry import JOB_TIMEOUTS, URGENT_QUEUE

log = logging.getLogger("portal.outbox")

FAILURE_TTL = 7 * 24 * 3600      # failures kept for days, not RQ's default year
RESULT_TTL = 60                  # results are in the database, not Redis
MAX_ATTEMPTS = 8                 # then the row is marked failed, for a person to look at
# A worker that has not beaten for WORKER_TTL + LIVE_MARGIN seconds is dead: an idle one
# beats every WORKER_TTL - 15 s (its dequeue timeout), a busy one every job-monitoring
# interval (at most 10 s); one on this host whose process is gone is dead at once.
LIVE_MARGIN = 15
_BACKOFF_SECONDS = 10            # after Redis failed, requests stop trying for a while
_redis_failed_at = 0.0


def init_app(app) -> None:
    """Remember the Redis URL and push new outbox rows after each commit."""
    global _redis_failed_at
    _redis_failed_at = 0.0
    app.extensions["redis_url"] = app.config["REDIS_URL"]
    factory = db.session.session_factory
    if not sa.event.contains(factory, "after_flush", _note_new_rows):
        sa.event.listen(factory, "after_flush", _note_new_rows)
        sa.event.listen(factory, "after_commit", _push_after_commit)
        sa.event.listen(factory, "after_soft_rollback", _forget_new_rows)


def _note_new_rows(session, _context) -> None:
    if any(isinstance(obj, OutboxJob) for obj in session.new):
        session.info["outbox_new"] = True


def _forget_new_rows(session, _previous_transaction) -> None:
    session.info.pop("outbox_new", None)


def _push_after_commit(session) -> None:
    if not session.info.pop("outbox_new", False):
        return
    if time.monotonic() - _redis_failed_at < _BACKOFF_SECONDS:
        return  # Redis was down a moment ago: the relay will deliver these rows
    try:
        push_pending()
    except Exception:  # never fail a committed request because the queue is unreachable
        log.warning("outbox push after commit failed; rows stay pending for the relay")


def connection(url: str | None = None) -> redis.Redis:
    """A Redis client with short timeouts, so an outage costs a request seconds, not minutes."""
    url = url or current_app.extensions.get("redis_url") or current_app.config["REDIS_URL"]
    if not url:
        raise redis.exceptions.ConnectionError("REDIS_URL is not set")
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2,
                                health_check_interval=30)


def queue(name: str, conn: redis.Redis) -> Queue:
    return Queue(name, connection=conn, serializer=JSONSerializer)


def job_id(row_id: int) -> str:
    return f"outbox-{row_id}"


def _retry(queue_name: str) -> Retry:
    key = "URGENT_RETRY_INTERVALS" if queue_name == URGENT_QUEUE else "JOB_RETRY_INTERVALS"
    intervals = list(current_app.config[key])
    return Retry(max=len(intervals), interval=intervals)


def _enqueue(conn: redis.Redis, row: OutboxJob) -> None:
    try:
        queue(row.queue, conn).enqueue(
            "workers.runtime.run_outbox_job", row.id, job_id=job_id(row.id), unique=True,
            retry=_retry(row.queue), failure_ttl=FAILURE_TTL, result_ttl=RESULT_TTL,
            job_timeout=JOB_TIMEOUTS[row.queue], description=f"{row.kind} #{row.id}",
        )
    except DuplicateJobError:
        pass  # already on the queue from an earlier push: nothing to do


def push_pending(limit: int = 500) -> int:
    """Push due pending rows to RQ; returns how many. Rows stay pending if Redis is down."""
    global _redis_failed_at
    pushed = 0
    with Session(db.engine) as store:
        query = (sa.select(OutboxJob)
                 .where(OutboxJob.state == OutboxState.PENDING, OutboxJob.run_after <= utcnow())
                 .order_by(OutboxJob.queue != URGENT_QUEUE, OutboxJob.id).limit(limit))
        if store.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = store.execute(query).scalars().all()
        if not rows:
            return 0
        try:
            conn = connection()
            for row in rows:
                _enqueue(conn, row)
                store.execute(
                    sa.update(OutboxJob)
                    .where(OutboxJob.id == row.id, OutboxJob.state == OutboxState.PENDING)
                    .values(state=OutboxState.DISPATCHED, dispatched_at=utcnow())
                )
                pushed += 1
        except redis.exceptions.RedisError:
            _redis_failed_at = time.monotonic()
            log.warning("redis unreachable: %d outbox rows wait for the relay", len(rows) - pushed)
        finally:
            store.commit()
    return pushed


def reconcile(now=None) -> int:
    """Send back to pending every dispatched row whose job no longer runs; give up at last.

    Covers Redis data loss (a restart or flush: the job is missing), jobs orphaned by a
    dead worker (started, but its worker no longer beats) and jobs that used up RQ's
    retries. Handlers are idempotent, so running one again is harmless. Runs every
    RECONCILE_SECONDS from the clock, so a lost job is back on a queue within a minute.
    """
    now = now or utcnow()
    repaired = 0
    conn = connection()
    live = live_worker_names(conn)
    with Session(db.engine) as store:
        rows = store.execute(
            sa.select(OutboxJob.id, OutboxJob.kind, OutboxJob.ref, OutboxJob.attempts).where(
                OutboxJob.state == OutboxState.DISPATCHED, OutboxJob.dispatched_at <= now)
        ).all()
        # End the read, so each update below sees what workers committed since (SQLite
        # would otherwise refuse the write on a stale snapshot).
        store.commit()
        for row in rows:
            job = _fetch_job(conn, row.id)
            if job is not None and _still_running(job, live):
                continue
            if job is not None:
                job.delete()
            if _return_to_pending(store, row):
                repaired += 1
        store.commit()
    if repaired:
        log.info("reconciler put %d lost or orphaned jobs back on the queue", repaired)
    return repaired


def _still_running(job: Job, live_workers: set[str]) -> bool:
    status = job.get_status()
    if status == JobStatus.STARTED:
        return job.worker_name in live_workers
    return status in _WAITING


def _return_to_pending(store: Session, row) -> bool:
    """Pending again (or failed, after MAX_ATTEMPTS), only if nobody finished it meanwhile."""
    give_up = row.attempts >= MAX_ATTEMPTS
    changed = store.execute(
        sa.update(OutboxJob)
        .where(OutboxJob.id == row.id, OutboxJob.state == OutboxState.DISPATCHED)
        .values(state=OutboxState.FAILED if give_up else OutboxState.PENDING)
    ).rowcount == 1
    if changed and give_up and row.kind == "send_notification":
        _give_up_on_notification(store, row.ref)
    return changed


def _give_up_on_notification(store: Session, ref: str | None) -> None:
    """Shown to the coordinator as failed, with a retry, once the queue has given up."""
    from portal.models import DeliveryStatus, Notification

    store.execute(sa.update(Notification).where(
        Notification.id == uuid.UUID(ref),
        Notification.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
    ).values(status=DeliveryStatus.FAILED))


_WAITING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def _fetch_job(conn: redis.Redis, row_id: int) -> Job | None:
    try:
        return Job.fetch(job_id(row_id), connection=conn, serializer=JSONSerializer)
    except NoSuchJobError:
        return None


def live_worker_names(conn: redis.Redis) -> set[str]:
    """Workers that beat recently: a killed worker stays registered for a while, a dead one
    must not count (nor keep its started jobs from being taken over)."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["WORKER_TTL"] + LIVE_MARGIN)
    return {worker.name for worker in Worker.all(connection=conn, serializer=JSONSerializer)
            if _beats(worker, cutoff)}


def _beats(worker: Worker, cutoff) -> bool:
    if worker.last_heartbeat is None or _as_utc(worker.last_heartbeat) < cutoff:
        return False
    return not liveness.known_dead(f"{worker.hostname}:{worker.pid}:-")


def _as_utc(moment):
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def live_worker_count() -> int:
    return len(live_worker_names(connection()))
