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
from datetime import timedelta

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
from portal.services.outbox import QUEUES

log = logging.getLogger("workers.dispatch")

RETRY = Retry(max=3, interval=[10, 60, 300])
FAILURE_TTL = 7 * 24 * 3600      # failures kept for days, not RQ's default year
RESULT_TTL = 60                  # results are in the database, not Redis
JOB_TIMEOUT = 600
MAX_ATTEMPTS = 8                 # then the row is marked failed, for a person to look at
STALE_AFTER = timedelta(minutes=10)
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


def _enqueue(conn: redis.Redis, row: OutboxJob) -> None:
    try:
        queue(QUEUES[row.kind], conn).enqueue(
            "workers.runtime.run_outbox_job", row.id, job_id=job_id(row.id), unique=True,
            retry=RETRY, failure_ttl=FAILURE_TTL, result_ttl=RESULT_TTL, job_timeout=JOB_TIMEOUT,
            description=f"{row.kind} #{row.id}",
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
                 .order_by(OutboxJob.id).limit(limit))
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
    """Send back to pending any dispatched row whose job Redis no longer runs; give up at last.

    Covers Redis data loss (a flush, eviction), jobs orphaned by a killed worker and jobs that
    used up RQ's retries. Handlers are idempotent, so running one again is harmless.
    """
    now = now or utcnow()
    repaired = 0
    conn = connection()
    with Session(db.engine) as store:
        rows = store.execute(
            sa.select(OutboxJob).where(OutboxJob.state == OutboxState.DISPATCHED,
                                       OutboxJob.dispatched_at <= now - STALE_AFTER)
        ).scalars().all()
        for row in rows:
            job = _fetch_job(conn, row.id)
            if job is not None and job.get_status() in _IN_FLIGHT:
                continue
            if job is not None:
                job.delete()
            row.state = OutboxState.FAILED if row.attempts >= MAX_ATTEMPTS else OutboxState.PENDING
            if row.state == OutboxState.FAILED and row.kind == "send_notification":
                _give_up_on_notification(store, row.ref)
            repaired += 1
        store.commit()
    return repaired


def _give_up_on_notification(store: Session, ref: str | None) -> None:
    """Shown to the coordinator as failed, with a retry, once the queue has given up."""
    from portal.models import DeliveryStatus, Notification

    store.execute(sa.update(Notification).where(
        Notification.id == uuid.UUID(ref),
        Notification.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
    ).values(status=DeliveryStatus.FAILED))


_IN_FLIGHT = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def _fetch_job(conn: redis.Redis, row_id: int) -> Job | None:
    try:
        return Job.fetch(job_id(row_id), connection=conn, serializer=JSONSerializer)
    except NoSuchJobError:
        return None


def live_worker_count() -> int:
    return Worker.count(connection=connection())
