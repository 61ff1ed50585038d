"""One request's record: opening it (audited first), its summary, suggestions, history and
who has looked (``portal.services.looks``). Revealing a private field is ``reveals``."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import vocab
from portal.i18n import gettext as _
from portal.matching.records import VolunteerRecord
from portal.matching.rules import EXCLUSIONS, Reason
from portal.models import (
    CheckIn,
    Intake,
    IntakeState,
    Match,
    MatchState,
    OutboxJob,
    OutboxState,
    Suggestion,
    VolunteerProfile,
    utcnow,
)
from portal.security import audit
from portal.services import address_checks, engine_records, matching_words, program_lists
from portal.services import looks as who_looked
from portal.services.errors import NotFound
from portal.services.offers import CHANGE_REQUESTED
from portal.services.relationships import SAFETY_CONCERN
from portal.services.triage.labels import (
    NEEDS_NEXT_STEP,
    OUTCOME_LABELS,
    acknowledged_check_ins,
    alias_of,
    is_change_request,
    name_of,
)

# ---------------------------------------------------------------- one request's record

@dataclass(frozen=True)
class Summary:
    """What the coordinator needs to know to match, in words: no contact, note or conflicts."""

    alias: str
    facts: list[tuple[str, str]]          # (label, value)
    concerns: list[str]                   # the main one first
    preferences: list[tuple[str, str]]
    week: list[tuple[str, list[bool]]]   # each day with whether each part of it is free
    reach: str | None = None              # how the person can be reached, when not as usual
    can_invite: bool = False              # entered for them with an email, no account yet


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


@dataclass(frozen=True)
class HistoryRow:
    """One offer or relationship of the request."""

    match_id: uuid.UUID
    volunteer_id: uuid.UUID
    volunteer_name: str
    source: str
    state: MatchState
    offered_at: datetime
    changed_at: datetime
    expires_at: datetime | None
    close_reason: str | None
    closed_by_role: str | None
    check_ins: int
    open_safety: int


@dataclass(frozen=True)
class IntakeRecord:
    """Everything the request's page shows, read after the look was recorded."""

    intake: Intake
    summary: Summary
    suggestions: list[SuggestionRow]
    exclusions: list[tuple[str, int]]
    history: list[HistoryRow]
    looks: list[who_looked.Look]
    look_names: dict                      # actor id → name, for staff eyes only
    recomputing: bool
    now: datetime

    @property
    def ended(self) -> HistoryRow | None:
        """The offer or relationship that just ended, while the request waits for the next."""
        last = self.history[-1] if self.history else None
        waiting = self.intake.state == IntakeState.WAITING
        ended = last is not None and (last.state in NEEDS_NEXT_STEP or (
            last.state == MatchState.CLOSED and last.close_reason == CHANGE_REQUESTED))
        return last if waiting and ended else None

    @property
    def next_suggestion(self) -> SuggestionRow | None:
        return next((row for row in self.suggestions if row.is_next), None)


def get_intake(session: Session, intake_id: uuid.UUID) -> Intake:
    intake = session.get(Intake, intake_id)
    if intake is None:
        raise NotFound(_("We could not find that request."))
    return intake


def record_view(session: Session, intake: Intake, *, actor, detail: str = "page") -> None:
    """Write the audit event of a look at the record (flushed: a failure stops the read)."""
    audit.record(session, actor=actor, action="view", subject_type="intake",
                 subject_id=intake.id, detail=detail)
    session.flush()


def open_record(session: Session, intake: Intake, *, actor, detail: str = "page") -> IntakeRecord:
    """Record the look first, then read the record: if the audit write fails, nothing is read."""
    record_view(session, intake, actor=actor, detail=detail)
    return intake_record(session, intake)


def intake_record(session: Session, intake: Intake, now: datetime | None = None) -> IntakeRecord:
    """The request's page data (call after the look or action that shows it is audited)."""
    counts = intake.exclusion_counts or {}
    return IntakeRecord(
        intake=intake, summary=summary_of(session, intake), suggestions=suggestion_rows(session, intake),
        exclusions=[(matching_words.label(reason), counts[reason.key]) for reason in EXCLUSIONS
                    if counts.get(reason.key)],
        history=history(session, intake), looks=(found := who_looked.looks(session, intake)),
        look_names=who_looked.names_for_staff(session, found),
        recomputing=recomputing(session, intake), now=now or utcnow(),
    )


def _labels(vocabulary, codes) -> str:
    return ", ".join(vocab.label(vocabulary, code) for code in codes or ()) or _("Not given")


def summary_of(session: Session, intake: Intake) -> Summary:
    """The need-to-know summary in words."""
    def one(vocabulary, code) -> str:
        return _labels(vocabulary, [code] if code else [])

    facts = [
        (_("Member type"), one(vocab.MEMBER_TYPES, intake.member_type)),
        (_("Career stage"), one(vocab.CAREER_BANDS, intake.career_band)),
        (_("Practice area"),
         program_lists.label(session, "practice_areas", intake.practice_area) or _("Not given")),
        (_("Region"), program_lists.label(session, "regions", intake.region) or _("Not given")),
        (_("Languages"), _labels(vocab.LANGUAGES, intake.languages)),
    ]
    concerns = sorted(intake.concerns or (), key=lambda code: code != intake.primary_concern)
    return Summary(alias_of(intake), facts, [vocab.label(vocab.CONCERNS, c) for c in concerns],
                   _preferences(intake), _week(intake.availability_mask or 0), _reach(intake),
                   can_invite=intake.participant_id is None and intake.reach_by == "email"
                   and bool(intake.claim_email) and not address_checks.is_waiting(intake)
                   and intake.erased_at is None)


def _reach(intake: Intake) -> str | None:
    """A request not attached to an account: how the person is reached, and whether their
    address is proven yet."""
    if intake.participant_id is not None or intake.erased_at is not None:
        return None
    entered = ""
    if intake.entered_by_id is not None:
        entered = _("Entered by a coordinator (%(channel)s); consent given %(consent)s. ",
                    channel=vocab.label(vocab.INTAKE_CHANNELS, intake.channel).lower(),
                    consent=vocab.label(vocab.CONSENT_METHODS, intake.consent_method).lower())
    if address_checks.is_waiting(intake):
        return entered + _("Email not yet confirmed: the link sent to the address has not been "
                           "used. The request may not come from the address's owner.")
    if intake.reach_by == "coordinator":
        return entered + _("Reach them only through the coordinator: no account, and no email "
                           "is ever sent to them.")
    if intake.reach_by == "phone":
        return entered + _("Reach them by phone only (under contact details).")
    if intake.claim_email:
        return entered + _("No account: write to the address they gave (under contact details) "
                           "to tell them what happens next, or invite them to an account.")
    return entered or None


def _week(mask: int) -> list[tuple[str, list[bool]]]:
    """The weekly grid as rows of days, each with its four parts free or not."""
    parts = range(len(vocab.PARTS_OF_DAY))
    return [(str(day_label), [bool(mask >> vocab.cell_index(day, part) & 1) for part in parts])
            for day, (_code, day_label) in enumerate(vocab.DAYS)]


def _preferences(intake: Intake) -> list[tuple[str, str]]:
    """Only the wishes the person expressed; "no preference" is left out."""
    wishes = []
    if intake.gender_pref != "none" and intake.preferred_gender:
        wishes.append((_("Peer's gender"), _strength(
            vocab.GENDER_PREFERENCES, intake.gender_pref, vocab.GENDERS, intake.preferred_gender)))
    if intake.language_pref != "none" and intake.preferred_language:
        wishes.append((_("Language"), _strength(
            vocab.LANGUAGE_PREFERENCES, intake.language_pref, vocab.LANGUAGES,
            intake.preferred_language)))
    if intake.practice_pref != "none":
        wishes.append((_("Practice area"),
                       vocab.label(vocab.PRACTICE_PREFERENCES, intake.practice_pref)))
    if intake.region_pref != "none":
        wishes.append((_("Region"), vocab.label(vocab.REGION_PREFERENCES, intake.region_pref)))
    if intake.career_pref_similar:
        wishes.append((_("Career stage"), _("Someone at a similar stage")))
    return wishes


def _strength(levels, level: str, vocabulary, code: str) -> str:
    """"Required: French"-style words for a wish and how strongly it is held."""
    return f"{vocab.label(levels, level)}: {vocab.label(vocabulary, code)}"


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


def history(session: Session, intake: Intake) -> list[HistoryRow]:
    """Every offer and relationship of the request, oldest first, with check-in counts."""
    rows = session.execute(
        sa.select(Match, VolunteerProfile)
        .outerjoin(VolunteerProfile, Match.volunteer_id == VolunteerProfile.id)
        .where(Match.intake_id == intake.id).order_by(Match.offered_at, Match.state_changed_at)
    ).all()
    tallies = dict(session.execute(
        sa.select(CheckIn.match_id, sa.func.count()).join(Match, CheckIn.match_id == Match.id)
        .where(Match.intake_id == intake.id).group_by(CheckIn.match_id)).all())
    open_safety = Counter(concern.match_id for concern in _open_concerns(session, intake))
    return [HistoryRow(match.id, match.volunteer_id, name_of(profile), match.source, match.state,
                       match.offered_at, match.state_changed_at, match.expires_at,
                       match.close_reason, match.closed_by_role, tallies.get(match.id, 0),
                       open_safety.get(match.id, 0))
            for match, profile in rows]


def _open_concerns(session: Session, intake: Intake) -> list[CheckIn]:
    flagged = session.execute(
        sa.select(CheckIn).join(Match, CheckIn.match_id == Match.id)
        .where(Match.intake_id == intake.id, CheckIn.flag == SAFETY_CONCERN)
    ).scalars().all()
    acknowledged = acknowledged_check_ins(session) if flagged else set()
    return [check_in for check_in in flagged if str(check_in.id) not in acknowledged]


def recomputing(session: Session, intake: Intake) -> bool:
    """A suggestion job for this request is queued or running."""
    return session.execute(
        sa.select(OutboxJob.id).where(
            OutboxJob.kind == "suggest_for_intake", OutboxJob.ref == str(intake.id),
            OutboxJob.state.in_((OutboxState.PENDING, OutboxState.DISPATCHED))).limit(1)
    ).first() is not None
