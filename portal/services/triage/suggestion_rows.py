"""A request's stored suggestions as the coordinator sees them: each with why it cannot be
offered now (the first hard rule failing, the very check the offer makes), the first that
can be offered marked next."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.i18n import gettext as _
from portal.matching.records import VolunteerRecord
from portal.matching.rules import Reason
from portal.models import Intake, IntakeState, Match, Suggestion, VolunteerProfile
from portal.services import engine_records, matching_words
from portal.services.triage.labels import OUTCOME_LABELS, is_change_request, name_of


@dataclass(frozen=True)
class SuggestionRow:
    """One stored suggestion, with why it cannot be offered now (if it cannot)."""

    volunteer_id: uuid.UUID
    name: str
    rank: int
    score: float
    reasons: list[str]
    blocked: str | None
    is_next: bool


def _asked_words(match: Match) -> str:
    """What happened when this volunteer was asked before, in words."""
    if is_change_request(match):
        return _("A change was requested for this pair before.")
    return _("Already asked for this request: %(outcome)s.",
             outcome=str(OUTCOME_LABELS[match.state]).lower())


def _blocked(profile: VolunteerProfile | None, reasons: dict[str, Reason],
             records: dict[str, VolunteerRecord], asked: dict[uuid.UUID, str]) -> str | None:
    """Why this volunteer cannot be offered the request right now; None if they can."""
    if profile is None:
        return _("This volunteer is no longer in the program.")
    reason = reasons[str(profile.id)]
    if reason is Reason.ELIGIBLE:
        return None
    if reason is Reason.CHANGE_REQUEST and profile.id in asked:
        return asked[profile.id]
    return matching_words.sentence(reason, records[str(profile.id)])


def suggestion_rows(session: Session, intake: Intake) -> list[SuggestionRow]:
    """The stored suggestions in rank order; the first one that can be offered is marked next.

    A suggestion is blocked for the first hard rule the engine finds failing now, the very
    check the offer makes.
    """
    return suggestion_rows_of(session, [intake])[intake.id]


def suggestion_rows_of(session: Session, intakes: list[Intake]) -> dict[uuid.UUID, list[SuggestionRow]]:
    """``suggestion_rows`` of many intakes in a fixed number of queries, whatever their number."""
    ids = [intake.id for intake in intakes]
    found: dict[uuid.UUID, list] = {intake_id: [] for intake_id in ids}
    for suggestion, profile in session.execute(
        sa.select(Suggestion, VolunteerProfile)
        .outerjoin(VolunteerProfile, Suggestion.volunteer_id == VolunteerProfile.id)
        .where(Suggestion.intake_id.in_(ids)).order_by(Suggestion.intake_id, Suggestion.rank)
    ):
        found[suggestion.intake_id].append((suggestion, profile))
    wanted = {profile.id for pairs in found.values() for _s, profile in pairs if profile is not None}
    if not wanted:  # nothing to check: the engine need not be loaded
        return {intake.id: _rows(intake, found[intake.id], {}, {}, {}) for intake in intakes}
    participants = engine_records.participant_records(session, intakes)
    records = {record.id: record for record in engine_records.volunteer_records(session, ids=wanted)}
    earlier: dict[uuid.UUID, dict[uuid.UUID, Match]] = {intake_id: {} for intake_id in ids}
    for match in session.execute(
        sa.select(Match).where(Match.intake_id.in_(ids)).order_by(Match.offered_at)
    ).scalars():
        earlier[match.intake_id][match.volunteer_id] = match
    # A few pairs per request, checked in plain Python: the web never loads the engine for a
    # page (the property tests hold this check and the engine's to the same answers).
    from portal.matching.reference import exclusion

    rows = {}
    for intake, participant in zip(intakes, participants, strict=True):
        mine = [records[str(p.id)] for _s, p in found[intake.id] if p is not None]
        # The engine's own "asked before" set, put in words (the rule it calls CHANGE_REQUEST).
        asked = {volunteer_id: _asked_words(match)
                 for volunteer_id, match in earlier[intake.id].items()
                 if str(volunteer_id) in participant.excluded_volunteer_ids}
        reasons = {record.id: exclusion(participant, record) for record in mine}
        rows[intake.id] = _rows(intake, found[intake.id], reasons, records, asked)
    return rows


def _rows(intake: Intake, found, reasons, records, asked) -> list[SuggestionRow]:
    rows, found_next = [], False
    for suggestion, profile in found:
        blocked = _blocked(profile, reasons, records, asked)
        is_next = not found_next and blocked is None and intake.state == IntakeState.WAITING
        found_next = found_next or is_next
        rows.append(SuggestionRow(suggestion.volunteer_id, name_of(profile), suggestion.rank,
                                  suggestion.score, list(suggestion.reasons or ()), blocked,
                                  is_next))
    return rows
