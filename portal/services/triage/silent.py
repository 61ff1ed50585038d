"""Relationships that never started or went quiet: no first contact past the coordinator's
days, or no check-in past their weeks (the same conditions as ``follow_through``'s reminders)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Intake, Match, VolunteerProfile, utcnow
from portal.services import follow_through, settings
from portal.services.triage import labels
from portal.services.triage.labels import alias_of, name_of


@dataclass(frozen=True)
class SilentItem:
    """An active relationship with no first contact, or gone quiet: since when, and how long."""

    match_id: uuid.UUID
    intake_id: uuid.UUID
    alias: str
    volunteer_name: str
    since: datetime
    silent_for: timedelta


def overdue_query(session: Session, now: datetime):
    """Relationships with no first contact past the coordinator's days, and since when."""
    days = settings.get(session, "first_contact_days")["escalate"]
    return sa.select(Match).where(follow_through.no_first_contact(now, days)), Match.activated_at


def quiet_query(session: Session, now: datetime):
    """Relationships with no check-in past the coordinator's weeks, and since when."""
    return follow_through.quiet_for(now, settings.get(session, "quiet_weeks")["escalate"])


def _silent(session: Session, query, since, now: datetime) -> list[SilentItem]:
    rows = session.execute(
        query.add_columns(Intake, VolunteerProfile, since.label("since"))
        .join(Intake, Match.intake_id == Intake.id)
        .join(VolunteerProfile, Match.volunteer_id == VolunteerProfile.id)
        .order_by(since, Match.id).limit(labels.LIST_LIMIT)
    ).all()
    return [SilentItem(match.id, intake.id, alias_of(intake), name_of(profile), began,
                       now - began)
            for match, intake, profile, began in rows]


def first_contact_overdue(session: Session, now: datetime | None = None) -> list[SilentItem]:
    """Relationships with no first contact past the coordinator's day, the longest first."""
    now = now or utcnow()
    return _silent(session, *overdue_query(session, now), now)


def quiet_relationships(session: Session, now: datetime | None = None) -> list[SilentItem]:
    """Relationships with no check-in past the coordinator's number of weeks, the longest first."""
    now = now or utcnow()
    return _silent(session, *quiet_query(session, now), now)
