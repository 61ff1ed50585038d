"""Check-ins flagged for the coordinator (a safety concern, a referral to arrange) until one
marks them handled."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.i18n import gettext as _
from portal.models import CheckIn, Intake, Match, VolunteerProfile
from portal.security import audit
from portal.services import offers
from portal.services.errors import DomainError, NotFound
from portal.services.relationships import NEEDS_REFERRAL, SAFETY_CONCERN
from portal.services.triage import labels
from portal.services.triage.labels import acknowledged_check_ins, alias_of, name_of


@dataclass(frozen=True)
class FlaggedItem:
    """A check-in flagged for the coordinator (a safety concern, a referral) not yet handled."""

    check_in_id: uuid.UUID
    intake_id: uuid.UUID
    alias: str
    volunteer_name: str
    occurred_on: datetime
    logged_at: datetime


# The flags a coordinator marks as handled, and the list each one waits in.
HANDLED_FLAGS = (SAFETY_CONCERN, NEEDS_REFERRAL)


def _flagged_rows(session: Session, flag: str):
    return session.execute(
        sa.select(CheckIn, Intake, VolunteerProfile)
        .join(Match, CheckIn.match_id == Match.id)
        .join(Intake, Match.intake_id == Intake.id)
        .join(VolunteerProfile, Match.volunteer_id == VolunteerProfile.id)
        .where(CheckIn.flag == flag).order_by(CheckIn.created_at, CheckIn.id)
    ).all()


def _flagged(session: Session, flag: str, limit: int | None = None) -> list[FlaggedItem]:
    acknowledged = acknowledged_check_ins(session)
    rows = [row for row in _flagged_rows(session, flag) if str(row[0].id) not in acknowledged]
    return [FlaggedItem(check_in.id, intake.id, alias_of(intake), name_of(profile),
                        check_in.occurred_on, check_in.created_at)
            for check_in, intake, profile in rows[:limit]]


def safety_concerns(session: Session) -> list[FlaggedItem]:
    """Safety-concern check-ins not yet acknowledged, the longest waiting first."""
    return _flagged(session, SAFETY_CONCERN)


def referrals_needed(session: Session) -> list[FlaggedItem]:
    """Check-ins asking for a referral not yet handled, the longest waiting first (bounded)."""
    return _flagged(session, NEEDS_REFERRAL, labels.LIST_LIMIT)


def get_check_in(session: Session, check_in_id: uuid.UUID) -> CheckIn:
    check_in = session.get(CheckIn, check_in_id)
    if check_in is None:
        raise NotFound(_("We could not find that check-in."))
    return check_in


def acknowledge_check_in(session: Session, check_in: CheckIn, *, actor) -> None:
    """A coordinator has taken on a safety concern, or arranged a referral (twice is harmless)."""
    # The row lock makes a colleague acknowledging at the same moment wait, then see ours.
    check_in = offers.lock(session, CheckIn, check_in.id)
    if check_in.flag not in HANDLED_FLAGS:
        raise DomainError(_("Only safety concerns and referrals need marking as handled."))
    if str(check_in.id) in acknowledged_check_ins(session):
        return
    audit.record(session, actor=actor, action="acknowledge", subject_type="check_in",
                 subject_id=check_in.id, detail=check_in.flag)
