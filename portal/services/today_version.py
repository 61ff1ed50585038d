"""Today's version: one counter bumped with every change the coordinator's Today page shows.

Today reads requests, offers and relationships, volunteers (names, and what marks a next
suggestion: their facts, conflicts and load), suggestions, check-ins and their
acknowledgements (audit events), settings and the program's lists. Every flush that adds,
changes or deletes one of those, and every bulk statement on their tables, adds one to the
single ``today_version`` row in the same transaction, just before its commit (a change
rolled back may still count once at a later commit: a page rendered again for nothing, never
a stale one). A kept Today is current while this number has not moved (and until the next
moment the clock alone changes it: ``triage.next_change``; its relative times are filled in
at each view). Anything else (sessions, notifications, a sign-in's
audit event) leaves it alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.db import add_one
from portal.models import (
    AuditEvent,
    CheckIn,
    ConflictEntry,
    Intake,
    Match,
    ProgramListEntry,
    Setting,
    Suggestion,
    TodayVersion,
    VolunteerProfile,
)

SHOWN = (Intake, Match, VolunteerProfile, ConflictEntry, Suggestion, CheckIn, Setting,
         ProgramListEntry)
ACKNOWLEDGED = "acknowledge"  # the audit event that takes a check-in off Today's lists
_ROW = TodayVersion.__table__
_READ = sa.select(_ROW.c.version).where(_ROW.c.id == 1)
_CHANGED = "today_changed"  # in session.info from a flush or bulk statement until the commit


def current(session: Session) -> int:
    """The committed version this transaction sees (0 before the first change)."""
    # On the transaction's connection: read on every view of Today, and no ORM row to load.
    return session.connection().execute(_READ).scalar() or 0


def _bump(session: Session) -> None:
    add_one(session, _ROW)


def _shown(obj) -> bool:
    if isinstance(obj, AuditEvent):
        return obj.action == ACKNOWLEDGED
    return isinstance(obj, SHOWN)


@sa.event.listens_for(Session, "before_flush")
def _note_flushed_changes(session: Session, _context, _instances) -> None:
    if any(_shown(obj) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


@sa.event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    classes = {mapper.class_ for mapper in state.all_mappers}
    if classes & {*SHOWN, AuditEvent}:
        state.session.info[_CHANGED] = True


@sa.event.listens_for(Session, "before_commit")
def _count_at_commit(session: Session) -> None:
    # Last, just before the commit: the row's lock is held for the commit, not the whole
    # transaction (a chunk of suggestions being written must not hold up a new request).
    if session.new or session.dirty or session.deleted:
        session.flush()  # what is still pending would be flushed after this hook
    if session.info.pop(_CHANGED, False):
        _bump(session)
