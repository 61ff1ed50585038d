"""The encoded volunteer pool every matching job scores against, kept per process.

Loading and encoding 10,000 volunteers is the slow part of a job, so the pool is encoded
straight from the driver's columns (``portal.matching.columns``) and kept until
``services/pool_version``'s counter, the day or the program's lists change.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import date
from types import SimpleNamespace
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.db import raw_rows, uuid_text
from portal.models import OnboardingState, VolunteerProfile
from portal.services import pool_version, program_lists, volunteers
from portal.services.engine_records import volunteer_hashes, volunteer_select
from portal.services.pool_version import VOLUNTEER_COLUMNS

if TYPE_CHECKING:
    from portal.matching.encoding import EncodedVolunteers

log = logging.getLogger("portal.matching")


def _raw_pool_rows(session: Session) -> SimpleNamespace:
    """The whole pool's rows (``engine_records.volunteer_select``) as the driver returns
    them, one tuple per column.

    The slow part of a cold pool was SQLAlchemy building 10,000 rows and converting each
    value (UUIDs, enums, dates, ciphertexts); here the driver's own tuples are transposed,
    and the display name comes as its length (``is_complete`` asks only whether it is given).
    """
    rows = raw_rows(session, volunteer_select(
        None, sa.func.length(VolunteerProfile.display_name_ct)))
    names = [column.key for column in VOLUNTEER_COLUMNS] + ["load", "hashes"]
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return SimpleNamespace(**dict(zip(names, columns, strict=True)))


def encoded_volunteers(session: Session, today: date | None = None) -> EncodedVolunteers:
    """Every volunteer not retired, encoded straight from the raw columns (no records built)."""
    from portal.matching import columns  # the engine: workers only

    today = today or volunteers.program_today(session)
    raw = _raw_pool_rows(session)
    ids = [uuid_text(value) for value in raw.id]
    hashes = volunteer_hashes(session, raw.hashes, lambda: map(uuid.UUID, ids))
    return columns.encode_volunteer_columns(
        ids, hashes,
        experience=raw.experience_mask, boundaries=raw.boundaries_mask,
        career_band=raw.career_band, practice_area=raw.practice_area, region=raw.region,
        languages=raw.languages_mask, gender=raw.gender, availability=raw.availability_mask,
        capacity=raw.capacity, active_load=raw.load,
        is_active_trained=columns.equals(raw.state, OnboardingState.ACTIVE.value),
        is_complete=columns.all_given(*(getattr(raw, name) for name in
                                         volunteers.REQUIRED_ANSWERS)),
        is_paused=columns.all_given(raw.paused),
        is_away=columns.away_on(raw.away_from, raw.away_until, today),
        is_lapsed=columns.lapsed_by(raw.approved_until, today),
    )


_pool_lock = threading.Lock()
_pool_cache: dict = {"key": None, "pool": None}


def volunteer_pool(session: Session, today: date | None = None):
    """The encoded volunteer pool, rebuilt only when volunteers, conflicts or loads changed.

    Loading and encoding 10,000 volunteers is the slow part of a job; checking that nothing
    changed reads one counter (``services/pool_version``, bumped with every such change; the
    day matters too, for who is away), so a process keeps the last pool between jobs (the forking
    worker builds it in its parent before each fork: see ``workers.run``).
    """
    today = today or volunteers.program_today(session)
    lists = program_lists.published(session)  # a list edit re-encodes the pool too
    key = (today, pool_version.current(session), lists)
    with _pool_lock:
        if _pool_cache["key"] == key:
            return _pool_cache["pool"]
    started = time.perf_counter()
    pool = encoded_volunteers(session, today)
    pool.hash_incidence  # noqa: B018 - built once here, then shared by every job
    log.info("volunteer pool rebuilt: %d volunteers in %.0f ms", len(pool),
             (time.perf_counter() - started) * 1000)
    with _pool_lock:
        _pool_cache.update(key=key, pool=pool)
    return pool
