"""Reading the audit log: the admin's filtered, newest-first pages of events. Read-only."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.services import calendar

FILTERS = ("action", "subject_type", "subject_id", "actor_id", "day")
EXACT = ("action", "subject_type", "subject_id")


def actor_of(filters: Mapping[str, str]) -> uuid.UUID | None:
    """The person filter as an id, or None when it is empty or not an id."""
    value = filters.get("actor_id") or ""
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def day_of(filters: Mapping[str, str], zone=UTC) -> datetime | None:
    """The start of the day filter in ``zone``, or None when it is empty or not a YYYY-MM-DD day
    (nor one whose start or end falls outside the calendar, like 9999-12-31)."""
    try:
        day = datetime.strptime(filters.get("day") or "", "%Y-%m-%d").replace(tzinfo=zone)
        day.astimezone(UTC), (day + timedelta(days=1)).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return day


def ignored(filters: Mapping[str, str]) -> set[str]:
    """The filters given that do not make sense (shown as a note; the rest still apply)."""
    understood = {"actor_id": actor_of(filters), "day": day_of(filters)}
    return {key for key, value in understood.items() if filters.get(key) and value is None}


def events(session: Session, filters: Mapping[str, str], limit: int, *,
           before: int | None = None) -> list[AuditEvent]:
    """Up to ``limit`` events matching ``filters``, newest first, older than event ``before``."""
    if any("\x00" in (filters.get(key) or "") for key in EXACT):
        return []  # no code holds a NUL (and PostgreSQL refuses one in a text comparison)
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    for key in EXACT:
        if filters.get(key):
            query = query.where(getattr(AuditEvent, key) == filters[key])
    # The day as the log shows it: in the program's time zone.
    actor, day = actor_of(filters), day_of(filters, calendar.program_zone(session))
    if actor is not None:
        query = query.where(AuditEvent.actor_id == actor)
    if day is not None:
        query = query.where(AuditEvent.ts >= day, AuditEvent.ts < day + timedelta(days=1))
    if before:
        query = query.where(AuditEvent.id < before)
    return list(session.execute(query.limit(limit)).scalars())


def actions(session: Session) -> list[str]:
    """Every action code the log holds, for the filter's choices."""
    return list(session.execute(
        sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)).scalars())
