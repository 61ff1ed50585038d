"""Notifications (who and what kind, never content) and the jobs outbox."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UUIDKey, enum_column, utcnow


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"      # mail to send
    SENDING = "sending"      # claimed by a worker
    SENT = "sent"
    FAILED = "failed"        # gave up after retries; the coordinator can retry
    IN_APP = "in_app"        # the recipient chose no email: shown in the portal only


class Notification(UUIDKey, Base):
    """A message to one person. Its words come from its kind, so the row holds no content."""

    __tablename__ = "notification"

    recipient_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(32))
    urgent: Mapped[bool] = mapped_column(default=False)
    # What the notification is about, for the in-app link (an id, never a name).
    subject_type: Mapped[str | None] = mapped_column(sa.String(32))
    subject_id: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[DeliveryStatus] = enum_column(DeliveryStatus, default=DeliveryStatus.PENDING,
                                                 index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None]
    # Which process holds the claim ("host:pid:start"), so a dead claimant's claim is taken over.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(160))
    send_after: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    message_id: Mapped[str | None] = mapped_column(sa.String(200))
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class OutboxState(enum.StrEnum):
    PENDING = "pending"          # committed, not yet handed to RQ
    DISPATCHED = "dispatched"    # on an RQ queue
    DONE = "done"
    FAILED = "failed"            # gave up; visible, retryable


class OutboxJob(Base):
    """A job to run, committed with the change that causes it and pushed to RQ afterwards."""

    __tablename__ = "outbox_job"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(sa.String(48))
    ref: Mapped[str | None] = mapped_column(sa.String(64))
    # The RQ queue that carries it: the kind's own, or "urgent", which every worker serves first.
    queue: Mapped[str] = mapped_column(sa.String(32), default="default", server_default="default")
    state: Mapped[OutboxState] = enum_column(OutboxState, default=OutboxState.PENDING, index=True)
    # A pending row with the same key absorbs new requests: many changes, one run.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(120), index=True)
    run_after: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(200))


class PeriodicTask(Base):
    """When a periodic task last ran: any number of clocks claim each period here, once."""

    __tablename__ = "periodic_task"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    last_run_at: Mapped[datetime | None]
    last_holder: Mapped[str | None] = mapped_column(sa.String(160))
