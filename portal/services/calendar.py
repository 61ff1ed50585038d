"""The program's one calendar: its time zone (a setting), today's date there, and local times.

The engine, the gates, expiry, quiet hours and every date or time shown to a person read the
zone from here; stored instants stay UTC.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import g, has_request_context
from sqlalchemy.orm import Session

from portal.models import utcnow
from portal.services import settings

log = logging.getLogger("portal.calendar")


def is_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone name (as "America/Edmonton")."""
    return name in _zone_names()


@cache
def _zone_names() -> frozenset[str]:
    """The zone names this machine knows, read once: ``available_timezones`` walks the whole
    tz database on disk (some 600 files) each time it is called, and every settings form
    checks two zones."""
    return frozenset(available_timezones())


def program_zone(session: Session) -> ZoneInfo:
    """The program's time zone; read once per request, so a page of times reads it once."""
    if has_request_context() and "program_zone" in g:
        return g.program_zone
    name = settings.get(session, "program_timezone")
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        log.warning("program time zone %r unknown; using the default", name)
        zone = ZoneInfo(settings.DEFAULTS["program_timezone"])
    if has_request_context():
        g.program_zone = zone
    return zone


def program_today(session: Session) -> date:
    """Today in the program's time zone: the one "today" for away dates, gates and reports."""
    return utcnow().astimezone(program_zone(session)).date()


def local(dt: datetime | None, session: Session) -> datetime | None:
    """``dt`` (a UTC instant; naive is read as UTC) as the program's wall-clock time."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(program_zone(session))
