"""Program settings the admin edits: one default each, stored overrides in the ``setting`` table.

Readers call ``get(session, key)``; a stored value replaces the default. Changing a setting
affects the next computation, never past records (suggestions keep their own breakdowns).

Pages read settings on every request, so each process keeps all stored rows (one query) for
``CACHE_SECONDS``. A write in this process (any flush of a ``Setting``) drops the copy at once
and again at its commit or rollback; other web processes see it within ``CACHE_SECONDS``;
every job starts without a copy (``forget_cached``).
"""

from __future__ import annotations

import copy
import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Setting, utcnow
from portal.services.table_cache import TableCache

log = logging.getLogger("portal.settings")

DEFAULTS: dict[str, object] = {
    "program_name": "Member support portal",
    "program_contact": "Call the program office at 1-800-555-0100 (weekdays 9–5).",
    # The admin's texts shown to participants may each have a French version (empty: the
    # English is shown on French pages too).
    "program_contact_fr": "Appelez le bureau du programme au 1-800-555-0100 (en semaine, de 9 h "
                          "à 17 h).",
    "matching_weights": {
        "experience": 35, "career_stage": 15, "practice_area": 10, "availability": 15,
        "region": 10, "preferences": 10, "load_balance": 5,
    },
    "offer_expiry_hours": 72,
    # Follow-through: a reminder to the volunteer this long after a yes with no first contact,
    # the coordinator told after the second; a reminder this many hours before an offer ends.
    "first_contact_days": {"remind": 3, "escalate": 5},
    "offer_reminder_hours": 24,
    # No check-in for this many weeks: a gentle reminder to the volunteer, then the coordinator.
    "quiet_weeks": {"remind": 4, "escalate": 6},
    # A volunteer's approval (screening and training) lasts this many months from the day
    # they are made active or renewed; a reminder to them this many days before it lapses.
    "approval_months": 24,
    "approval_reminder_days": 30,
    "program_timezone": "America/Edmonton",  # the one calendar: today, quiet hours, times shown
    "quiet_hours": {"start": "21:00", "end": "07:00"},
    "retention_months": 24,
    "suppression_threshold": 10,
    # Whether a participant's list of who looked at their request names the staff member.
    "show_staff_names": False,
    "consent_version": "2026-11",
    "crisis_resources": [
        {"name": "Emergency services", "phone": "911", "hours": "24/7",
         "name_fr": "Services d'urgence", "hours_fr": "24 h sur 24, 7 jours sur 7"},
        {"name": "Suicide Crisis Helpline (call or text)", "phone": "988", "hours": "24/7",
         "name_fr": "Ligne d'aide en cas de crise de suicide (appel ou texto)",
         "hours_fr": "24 h sur 24, 7 jours sur 7"},
        {"name": "Program counselling line", "phone": "1-800-555-0199", "hours": "24/7",
         "name_fr": "Ligne d'aide du programme", "hours_fr": "24 h sur 24, 7 jours sur 7"},
    ],
}


CACHE_SECONDS = 5.0


def _read(session: Session) -> dict:
    return dict(session.execute(sa.select(Setting.key, Setting.value)).all())


_stored = TableCache(Setting, _read, lambda: CACHE_SECONDS)


def forget_cached() -> None:
    """Read the settings afresh next time (after a write, and at the start of every job)."""
    _stored.forget()


def get(session: Session, key: str):
    """The stored value of ``key``, or its default (a copy, safe to modify)."""
    if key not in DEFAULTS:
        raise KeyError(key)
    stored = _stored.get(session)
    return copy.deepcopy(stored[key] if key in stored else DEFAULTS[key])


def get_or_default(engine: sa.Engine, key: str):
    """``get`` on a connection of its own, or the default when the database cannot answer.

    For what must show even then (the crisis numbers on error and confirmation pages); its
    own session keeps a failure here from spoiling the request's session.
    """
    try:
        with Session(engine) as store:
            return get(store, key)
    except sa.exc.SQLAlchemyError as error:
        log.warning("setting %s unreadable (%s); showing its default", key, type(error).__name__)
        return copy.deepcopy(DEFAULTS[key])


def put(session: Session, key: str, value, *, actor=None, audited: bool = True) -> None:
    """Store ``value`` for ``key`` (validation belongs to the settings form)."""
    from portal.security import audit

    if key not in DEFAULTS:
        raise KeyError(key)
    row = session.get(Setting, key)
    if row is None:
        row = Setting(key=key)
        session.add(row)
    row.value = value
    row.updated_at = utcnow()
    row.updated_by_id = getattr(actor, "id", None)
    if audited:
        audit.record(session, actor=actor, action="update", subject_type="setting", subject_id=key)


def put_many(session: Session, values: dict, *, actor=None) -> list[str]:
    """Store each value that differs from what is stored; one audit event per change.

    Returns the keys that changed, so a save that changes nothing records nothing.
    """
    changed = [key for key, value in values.items() if get(session, key) != value]
    for key, value in values.items():
        # A default saved as is gets its row (the program's choice from now on, should the
        # defaults change), but no audit event: nothing changed.
        if key in changed or session.get(Setting, key) is None:
            put(session, key, value, actor=actor, audited=key in changed)
    return changed
