"""Suggestions with their score breakdowns, matches with their states, and plans."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, Timestamps, UUIDKey, enum_column, utcnow


class Suggestion(UUIDKey, Base):
    """One ranked volunteer for one intake, with the per-criterion points and reasons."""

    __tablename__ = "suggestion"
    __table_args__ = (sa.UniqueConstraint("intake_id", "volunteer_id", name="intake_volunteer"),)

    intake_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("intake.id", ondelete="CASCADE"),
                                                 index=True)
    volunteer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("volunteer_profile.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int]
    score: Mapped[float]
    breakdown: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    reasons: Mapped[list] = mapped_column(sa.JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class PoolVersion(Base):
    """One row counting every committed change the encoded volunteer pool depends on.

    Bumped in the same transaction as each change to a volunteer's matched columns, their
    conflicts or their load (``services/pool_version``), so a worker's cached pool is stale
    exactly when this number moved.
    """

    __tablename__ = "pool_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class TodayVersion(Base):
    """One row counting every committed change the coordinator's Today page shows.

    Bumped in the same transaction as each change to a request, an offer or relationship, a
    volunteer, a suggestion, a check-in, an acknowledgement, a setting or a program list
    (``services/today_version``), so a rendered Today kept under this number is current
    exactly while it has not moved.
    """

    __tablename__ = "today_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class MatchState(enum.StrEnum):
    OFFERED = "offered"
    ACTIVE = "active"
    CLOSED = "closed"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Match(UUIDKey, Timestamps, Base):
    """An offer to a volunteer and, once accepted, the peer relationship."""

    __tablename__ = "match"
    TRANSITIONS = {
        MatchState.OFFERED: {MatchState.ACTIVE, MatchState.DECLINED, MatchState.EXPIRED,
                             MatchState.WITHDRAWN},
        MatchState.ACTIVE: {MatchState.CLOSED},
        MatchState.CLOSED: set(),
        MatchState.DECLINED: set(),
        MatchState.EXPIRED: set(),
        MatchState.WITHDRAWN: set(),
    }

    intake_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("intake.id", ondelete="CASCADE"),
                                                 index=True)
    volunteer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("volunteer_profile.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[MatchState] = enum_column(MatchState, default=MatchState.OFFERED, index=True)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(sa.String(16), default="suggestion")  # suggestion|plan|manual
    score: Mapped[float | None]
    offered_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    activated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # After a yes: when the volunteer said "we have spoken" (or first logged a check-in), and
    # the follow-through reminders, each sent once (services/follow_through).
    first_contact_at: Mapped[datetime | None]
    contact_reminded_at: Mapped[datetime | None]
    contact_escalated_at: Mapped[datetime | None]
    expiry_reminded_at: Mapped[datetime | None]
    # A relationship gone quiet (no check-in for weeks); cleared by the next check-in.
    quiet_reminded_at: Mapped[datetime | None]
    quiet_escalated_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(sa.String(32))
    closed_by_role: Mapped[str | None] = mapped_column(sa.String(16))

    check_ins: Mapped[list[CheckIn]] = relationship(back_populates="match",
                                                    cascade="all, delete-orphan")


# Each request's latest offer or relationship (Today's follow-ups) from the index alone.
sa.Index("ix_match_latest", Match.intake_id, Match.offered_at.desc(), Match.state_changed_at.desc(),
         Match.id.desc())


class CheckIn(UUIDKey, Base):
    """A content-free note that a conversation happened, and one flag."""

    __tablename__ = "check_in"

    match_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"),
                                                index=True)
    occurred_on: Mapped[datetime]
    mode: Mapped[str] = mapped_column(sa.String(16))          # phone|video|in_person|message
    flag: Mapped[str] = mapped_column(sa.String(24))          # going_well|needs_referral|safety_concern
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    match: Mapped[Match] = relationship(back_populates="check_ins")


class PlanStatus(enum.StrEnum):
    QUEUED = "queued"        # waiting for a worker
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"        # the coordinator may start another


class ProposalStatus(enum.StrEnum):
    PROPOSED = "proposed"    # waiting for the coordinator
    APPROVED = "approved"    # offered
    SKIPPED = "skipped"      # passed over, or no longer possible


class PlanRun(UUIDKey, Timestamps, Base):
    """One run of the global assignment plan, with progress the coordinator page polls."""

    __tablename__ = "plan_run"

    status: Mapped[PlanStatus] = enum_column(PlanStatus, length=16, default=PlanStatus.QUEUED)
    progress: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str | None] = mapped_column(sa.String(200))
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    total_score: Mapped[float | None]
    finished_at: Mapped[datetime | None]

    proposals: Mapped[list[PlanProposal]] = relationship(back_populates="plan_run",
                                                         cascade="all, delete-orphan")


class PlanProposal(UUIDKey, Base):
    """A proposed pair from a plan; nothing is offered until the coordinator approves it."""

    __tablename__ = "plan_proposal"

    plan_run_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("plan_run.id", ondelete="CASCADE"),
                                                   index=True)
    intake_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("intake.id", ondelete="CASCADE"))
    volunteer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("volunteer_profile.id", ondelete="CASCADE")
    )
    score: Mapped[float]
    reasons: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[ProposalStatus] = enum_column(ProposalStatus, length=16,
                                                 default=ProposalStatus.PROPOSED)

    plan_run: Mapped[PlanRun] = relationship(back_populates="proposals")
