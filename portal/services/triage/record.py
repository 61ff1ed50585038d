"""One request's record: opening it (audited first), then its summary (``summary``), its
suggestions (``suggestion_rows``), its history and who has looked (``portal.services.looks``).
Revealing a private field is ``reveals``."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.i18n import gettext as _
from portal.matching.rules import EXCLUSIONS
from portal.models import (
    CheckIn,
    Intake,
    IntakeState,
    Match,
    MatchState,
    OutboxJob,
    OutboxState,
    VolunteerProfile,
    utcnow,
)
from portal.security import audit
from portal.services import looks as who_looked
from portal.services import matching_words
from portal.services.errors import NotFound
from portal.services.offers import CHANGE_REQUESTED
from portal.services.relationships import SAFETY_CONCERN
from portal.services.triage.labels import (
    NEEDS_NEXT_STEP,
    acknowledged_check_ins,
    name_of,
)
from portal.services.triage.suggestion_rows import SuggestionRow, suggestion_rows
from portal.services.triage.summary import Summary, summary_of


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
