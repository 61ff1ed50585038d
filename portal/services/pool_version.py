"""The volunteer pool's version: one counter bumped with every change the pool depends on.

The encoded pool (``services/volunteer_pool.volunteer_pool``) reads each volunteer's matched
columns, their conflicts and their load (offers and relationships under way). Every flush
that changes one of those, and every bulk statement on them, adds one to the single
``pool_version`` row in the same transaction; a flush that changes nothing the pool reads
(a note, a reminder's stamp, an intake's own conflicts) leaves it alone. The row's lock
orders concurrent writers, so each committed number stands for exactly one state.

A load that moves (an offer made, declined, expired or withdrawn, a relationship ended: the
engine reads it as a hard rule, capacity, and as a score, the free share) also changes that
volunteer's place in other waiting requests' stored suggestions, so the same detection queues
the volunteer's targeted recompute (``volunteers.queue_recompute``): no path that changes a
match can forget it. The outbox row is added from ``before_flush``, the one moment SQLAlchemy
lets a listener add objects to the flush under way (without a flush of its own: that would be
a flush inside a flush); it commits or rolls back with the change. A bulk statement on matches
names no volunteer, so it queues one recompute of every waiting request instead.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.db import add_one
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
    add_one(session, _ROW)


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


def _load_movers(session: Session) -> set:
    """The volunteers whose load this flush changes (a match's old volunteer too, if moved)."""
    movers = set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Match) and _in_load(obj):
            movers.add(obj.volunteer_id)
    for obj in session.dirty:
        if isinstance(obj, Match) and _moves_load(obj):
            movers.update((obj.volunteer_id, *sa.inspect(obj).attrs.volunteer_id.history.deleted))
    movers.discard(None)
    return movers


def _queue_recomputes(session: Session, volunteer_ids) -> None:
    """Each volunteer's debounced targeted recompute, added to the flush under way."""
    from portal.services import volunteers  # volunteers builds on services this module feeds

    for volunteer_id in sorted(volunteer_ids, key=str):
        profile = session.get(VolunteerProfile, volunteer_id)  # no autoflush inside a flush
        if profile is not None:
            volunteers.queue_recompute(session, profile, in_flush=True)


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
        _queue_recomputes(session, _load_movers(session))


def _bulk_moves_load(state) -> bool:
    """A bulk statement on matches that may move a load (which volunteers', it does not say)."""
    if Match not in {mapper.class_ for mapper in state.all_mappers}:
        return False
    values = getattr(state.statement, "_values", None) if state.is_update else None
    return not state.is_update or not values or any(
        getattr(key, "key", key) in _MATCH_KEYS for key in values)


def _bulk_touches_pool(state) -> bool:
    mappers = {mapper.class_ for mapper in state.all_mappers}
    return bool(mappers & {VolunteerProfile, ConflictEntry}) or _bulk_moves_load(state)


@sa.event.listens_for(Session, "do_orm_execute")
def _count_bulk_changes(state) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and _bulk_touches_pool(state):
        _bump(state.session)
        if _bulk_moves_load(state):
            from portal.services import outbox, volunteers

            outbox.enqueue(state.session, "recompute_waiting", delay=volunteers.RECOMPUTE_DELAY,
                           dedupe_key="recompute_waiting:bulk")
