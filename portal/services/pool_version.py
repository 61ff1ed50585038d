"""The volunteer pool's version: one counter bumped with every change the pool depends on.

The encoded pool (``services/matching.volunteer_pool``) reads each volunteer's matched
columns, their conflicts and their load (offers and relationships under way). Every flush
that changes one of those, and every bulk statement on them, adds one to the single
``pool_version`` row in the same transaction; a flush that changes nothing the pool reads
(a note, a reminder's stamp, an intake's own conflicts) leaves it alone. The row's lock
orders concurrent writers, so each committed number stands for exactly one state.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import ConflictEntry, Match, MatchState, PoolVersion, VolunteerProfile

_v = VolunteerProfile
# What the pool reads of a volunteer (``services/matching``), and what makes their load.
VOLUNTEER_COLUMNS = (
    _v.id, _v.state, _v.display_name_ct, _v.experience_mask, _v.boundaries_mask, _v.career_band,
    _v.practice_area, _v.region, _v.languages_mask, _v.gender, _v.availability_mask, _v.capacity,
    _v.paused, _v.away_from, _v.away_until, _v.approved_until,
)
LOAD_STATES = (MatchState.OFFERED, MatchState.ACTIVE)
_PROFILE_KEYS = frozenset({*(column.key for column in VOLUNTEER_COLUMNS), "conflicts"})
_CONFLICT_KEYS = frozenset({"volunteer_id", "value_index"})
_MATCH_KEYS = frozenset({"state", "volunteer_id"})  # what a bulk UPDATE may move
_ROW = PoolVersion.__table__


def current(session: Session) -> int:
    """The committed version this transaction sees (0 before the first change)."""
    return session.execute(sa.select(_ROW.c.version).where(_ROW.c.id == 1)).scalar() or 0


def _bump(session: Session) -> None:
    conn = session.connection()  # Core on the table: no autoflush inside a flush
    if not conn.execute(_ROW.update().where(_ROW.c.id == 1)
                        .values(version=_ROW.c.version + 1)).rowcount:
        conn.execute(_ROW.insert().values(id=1, version=1))


def _changed(obj, keys) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[key].history.has_changes() for key in keys)


def _in_load(obj) -> bool:
    return obj.state is None or obj.state in LOAD_STATES  # None: the column's default, offered


def _moves_load(match: Match) -> bool:
    """A match moved to another volunteer, or into or out of the states that make a load."""
    state = sa.inspect(match)
    if state.attrs.volunteer_id.history.has_changes():
        return True
    history = state.attrs.state.history
    return history.has_changes() and any(
        (old in LOAD_STATES) != _in_load(match) for old in history.deleted)


def _touches_pool(session: Session) -> bool:
    for obj in (*session.new, *session.deleted):
        if (isinstance(obj, VolunteerProfile)
                or (isinstance(obj, ConflictEntry) and obj.volunteer_id is not None)
                or (isinstance(obj, Match) and _in_load(obj))):
            return True
    for obj in session.dirty:
        if isinstance(obj, VolunteerProfile) and _changed(obj, _PROFILE_KEYS):
            return True
        if isinstance(obj, ConflictEntry) and _changed(obj, _CONFLICT_KEYS):
            return True
        if isinstance(obj, Match) and _moves_load(obj):
            return True
    return False


@sa.event.listens_for(Session, "before_flush")
def _count_flushed_changes(session: Session, _context, _instances) -> None:
    if _touches_pool(session):
        _bump(session)


def _bulk_touches_pool(state) -> bool:
    mappers = {mapper.class_ for mapper in state.all_mappers}
    if mappers & {VolunteerProfile, ConflictEntry}:
        return True
    if Match not in mappers or not state.is_update:
        return Match in mappers
    values = getattr(state.statement, "_values", None)  # the columns an UPDATE sets
    if not values:
        return True
    return any(getattr(key, "key", key) in _MATCH_KEYS for key in values)


@sa.event.listens_for(Session, "do_orm_execute")
def _count_bulk_changes(state) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and _bulk_touches_pool(state):
        _bump(state.session)
