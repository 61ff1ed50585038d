"""Looking after volunteers: their private wellbeing check-ins, debrief requests, and the
contacts and hours they log for the annual report (counts only)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UUIDKey, utcnow


class WellbeingCheck(UUIDKey, Base):
    """"How are you doing with this role?": asked monthly; the answer is the volunteer's own,
    never shown to anyone else. Only a debrief request reaches the coordinator."""

    __tablename__ = "wellbeing_check"

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("volunteer_profile.id", ondelete="CASCADE"), index=True)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(sa.String(16))
    debrief_asked: Mapped[bool] = mapped_column(default=False)
    debrief_taken_at: Mapped[datetime | None]


class ServiceLog(UUIDKey, Base):
    """Contacts and time given on one day, for the program's annual report: counts only."""

    __tablename__ = "service_log"

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("volunteer_profile.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    contacts: Mapped[int] = mapped_column(default=0)
    minutes: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutcomePulse(UUIDKey, Base):
    """"Is this helping?": asked of the participant at 30 and 90 days and at the end, and of the
    volunteer at the end; content-free, counted only in aggregate reports."""

    __tablename__ = "outcome_pulse"
    __table_args__ = (sa.UniqueConstraint("match_id", "role", "moment",
                                          name="uq_outcome_pulse_once"),)

    match_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"),
                                                index=True)
    role: Mapped[str] = mapped_column(sa.String(16))      # participant | volunteer
    moment: Mapped[str] = mapped_column(sa.String(16))    # day_30 | day_90 | closure
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str | None] = mapped_column(sa.String(16))
    answered_at: Mapped[datetime | None]
