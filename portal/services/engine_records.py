"""The database as the engine reads it: volunteers and participants as plain records.

Only what matching needs is loaded, with plain column queries (no decryption: conflicts are
compared through their blind indexes). The offer gate, the record page's marks, manual
matches and every matching job build their records here.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import vocab
from portal.matching.records import ParticipantRecord, VolunteerRecord
from portal.models import (
    ConflictEntry,
    Intake,
    Match,
    MatchState,
    OnboardingState,
    VolunteerProfile,
)
from portal.security import crypto
from portal.services import approvals, program_lists, volunteers
from portal.services.pool_version import LOAD_STATES, VOLUNTEER_COLUMNS


def _hashes_by_owner(session: Session, column, owners) -> dict[uuid.UUID, set[str]]:
    owned: dict[uuid.UUID, set[str]] = defaultdict(set)
    if crypto.keyring().previous_index_keys:  # BLIND_INDEX_KEY is changing: see _every_key
        for owner, entry in session.execute(
                sa.select(column, ConflictEntry).where(column.in_(owners))):
            owned[owner].update(_every_key(entry))
        return owned
    for owner, value_index in session.execute(
        sa.select(column, ConflictEntry.value_index).where(column.in_(owners))
    ):
        owned[owner].add(value_index)
    return owned


def volunteer_select(ids: Iterable[uuid.UUID] | None, display_name=None) -> sa.Select:
    """Every volunteer not retired, or those of ``ids``: columns, load and conflict hashes.

    One query: the load and the hashes (hex digests, joined by spaces) come grouped.
    ``display_name`` replaces the display name's column (the pool needs only its length).
    """
    v, c = VolunteerProfile, ConflictEntry
    which = v.state != OnboardingState.RETIRED if ids is None else v.id.in_(list(ids))
    load = (sa.select(Match.volunteer_id, sa.func.count().label("n"))
            .where(Match.state.in_(LOAD_STATES)).group_by(Match.volunteer_id).subquery())
    hashes = (sa.select(c.volunteer_id, sa.func.aggregate_strings(c.value_index, " ").label("all"))
              .where(c.volunteer_id.is_not(None)).group_by(c.volunteer_id).subquery())
    columns = [column if display_name is None or column is not v.display_name_ct
               else display_name.label("display_name_ct") for column in VOLUNTEER_COLUMNS]
    return (sa.select(*columns, sa.func.coalesce(load.c.n, 0).label("load"),
                      hashes.c.all.label("hashes"))
            .outerjoin(load, load.c.volunteer_id == v.id)
            .outerjoin(hashes, hashes.c.volunteer_id == v.id)
            .where(which).order_by(v.id))


def _volunteer_rows(session: Session, ids: Iterable[uuid.UUID] | None) -> list:
    """The rows of ``volunteer_select``, as the ORM reads them."""
    program_lists.published(session)  # the engine encodes these codes as the lists stand now
    return session.execute(volunteer_select(ids)).all()


_NO_HASHES: frozenset[str] = frozenset()


def volunteer_hashes(session: Session, texts, ids) -> list[frozenset[str]]:
    """Each volunteer's conflict hashes from their joined ``texts``; while BLIND_INDEX_KEY
    changes, under every key (``ids()``: the volunteers' ids, read only then)."""
    if not crypto.keyring().previous_index_keys:
        return [frozenset(text.split(" ")) if text else _NO_HASHES for text in texts]
    owners = list(ids())
    owned = _hashes_by_owner(session, ConflictEntry.volunteer_id, owners)
    return [frozenset(owned.get(owner, ())) for owner in owners]


def _every_key(entry: ConflictEntry) -> set[str]:
    """While BLIND_INDEX_KEY changes, stored indexes are of the old key or the new one until
    `flask crypto reindex` has run: compare under every key, so no conflict slips through."""
    value = entry.value
    return {entry.value_index, *(crypto.blind_indexes(value, "name") if value else ())}


def volunteer_records(session: Session, today: date | None = None,
                      ids: Iterable[uuid.UUID] | None = None) -> list[VolunteerRecord]:
    """Volunteers as the engine sees them: every one not retired, or exactly those of ``ids``."""
    today = today or volunteers.program_today(session)
    rows = _volunteer_rows(session, ids)
    return [_volunteer_record(row, today, hashes)
            for row, hashes in zip(rows, volunteer_hashes(
                session, [row.hashes for row in rows], lambda: [row.id for row in rows]),
                strict=True)]


def volunteer_record(session: Session, profile: VolunteerProfile,
                     today: date | None = None) -> VolunteerRecord:
    """One volunteer as the engine sees them now, whatever their state."""
    return volunteer_records(session, today, ids=[profile.id])[0]


def _is_away(row, today: date) -> bool:
    return VolunteerProfile.is_away_on(row, today)  # the model's rule, on the row's columns


def _is_lapsed(row, today: date) -> bool:
    return approvals.has_lapsed(row.approved_until, today)


def _volunteer_record(row, today: date, hashes: frozenset[str]) -> VolunteerRecord:
    return VolunteerRecord(
        id=str(row.id), experience=vocab.codes_in(vocab.CONCERNS, row.experience_mask),
        boundaries=vocab.codes_in(vocab.CONCERNS, row.boundaries_mask),
        career_band=row.career_band, practice_area=row.practice_area, region=row.region,
        languages=vocab.codes_in(vocab.LANGUAGES, row.languages_mask), gender=row.gender,
        availability_mask=row.availability_mask, capacity=row.capacity, active_load=row.load,
        is_active_trained=row.state == OnboardingState.ACTIVE,
        is_complete=volunteers.is_complete(row), is_paused=row.paused,
        is_away=_is_away(row, today), is_lapsed=_is_lapsed(row, today),
        approved_until=row.approved_until, conflict_hashes=hashes,
    )


def participant_records(session: Session, intakes: Sequence[Intake]) -> list[ParticipantRecord]:
    """The intakes as the engine sees them (codes, hashes, pairs never again): two queries."""
    ids = [intake.id for intake in intakes]
    program_lists.published(session)  # the engine encodes these codes as the lists stand now
    # Never again: a pair closed by a change request (DESIGN's hard rule), and a volunteer who
    # already said no to, or let expire, an offer of this request (they may say no, once is enough).
    excluded: dict[uuid.UUID, set[str]] = defaultdict(set)
    for intake_id, volunteer_id in session.execute(
        sa.select(Match.intake_id, Match.volunteer_id).where(
            Match.intake_id.in_(ids),
            (Match.close_reason == "change_requested")
            | Match.state.in_((MatchState.DECLINED, MatchState.EXPIRED)))
    ):
        excluded[intake_id].add(str(volunteer_id))
    hashes = _hashes_by_owner(session, ConflictEntry.intake_id, ids)
    return [_participant_record(i, hashes.get(i.id, ()), excluded.get(i.id, ())) for i in intakes]


def participant_record(session: Session, intake: Intake) -> ParticipantRecord:
    """One intake as the engine sees it."""
    return participant_records(session, [intake])[0]


def _participant_record(intake: Intake, hashes, excluded) -> ParticipantRecord:
    return ParticipantRecord(
        id=str(intake.id), concerns=tuple(intake.concerns or ()),
        primary_concern=intake.primary_concern, career_band=intake.career_band,
        practice_area=intake.practice_area, region=intake.region,
        languages=tuple(intake.languages or ()), gender=intake.gender,
        gender_pref=intake.gender_pref, preferred_gender=intake.preferred_gender,
        practice_pref=intake.practice_pref, career_pref_similar=intake.career_pref_similar,
        region_pref=intake.region_pref, language_pref=intake.language_pref,
        preferred_language=intake.preferred_language, availability_mask=intake.availability_mask,
        urgent=intake.urgent or intake.priority, waiting_since=intake.waiting_since,
        conflict_hashes=frozenset(hashes), excluded_volunteer_ids=frozenset(excluded),
    )
