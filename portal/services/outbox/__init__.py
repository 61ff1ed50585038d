"""The one outbox: jobs to run are rows committed with the change that causes them.

A view or service never talks to Redis. It calls ``enqueue`` inside its transaction;
after the commit the dispatcher (``dispatch``) pushes due rows to RQ, and the worker runs
each with the handler the registry (``registry``) names. If Redis is down the row simply
waits, so no intake or notification is ever lost.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import OutboxJob, OutboxState, utcnow
from portal.models.base import seconds_since
from portal.services.outbox.registry import KINDS, URGENT_QUEUE


def enqueue(
    session: Session,
    kind: str,
    ref: object = None,
    *,
    delay: timedelta | None = None,
    dedupe_key: str | None = None,
    urgent: bool = False,
    flush: bool = True,
) -> OutboxJob:
    """Write a job row in the caller's transaction.

    With a ``dedupe_key``, a still-pending row with the same key absorbs this request: many
    changes within the delay cause one run (the debounce volunteers' edits need). An
    ``urgent`` job goes on the urgent queue, ahead of all routine work. ``flush=False`` is for a
    ``before_flush`` listener: the row joins the flush under way (a flush of its own would be a
    flush inside a flush, which SQLAlchemy refuses).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    if dedupe_key is not None:
        waiting = session.execute(
            sa.select(OutboxJob).where(
                OutboxJob.dedupe_key == dedupe_key, OutboxJob.state == OutboxState.PENDING
            )
        ).scalar()
        if waiting is not None:
            return waiting
    job = OutboxJob(
        kind=kind, ref=None if ref is None else str(ref), dedupe_key=dedupe_key,
        queue=URGENT_QUEUE if urgent else KINDS[kind].queue,
        run_after=utcnow() + (delay or timedelta(0)),
    )
    session.add(job)
    if flush:
        session.flush()
    return job


def pending_count(session: Session) -> int:
    """Rows not yet handed to the queue (shown by /healthz)."""
    return session.execute(
        sa.select(sa.func.count()).select_from(OutboxJob).where(OutboxJob.state == OutboxState.PENDING)
    ).scalar_one()


def oldest_waiting_seconds(session: Session, now=None) -> float | None:
    """How long the longest-waiting due job (pending or dispatched, not done) has waited."""
    now = now or utcnow()
    oldest = session.execute(
        sa.select(sa.func.min(OutboxJob.run_after)).where(
            OutboxJob.state.in_([OutboxState.PENDING, OutboxState.DISPATCHED]),
            OutboxJob.run_after <= now)
    ).scalar()
    return None if oldest is None else seconds_since(oldest, now)

