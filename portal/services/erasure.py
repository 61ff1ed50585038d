"""Erasing a participant's personal data, keeping only an anonymised row for program statistics.

What stays of a request is a handful of coarse codes (member type, career band, region,
concerns, whether it was urgent, how it ended) and month-level dates, so the program can
still count how many people it helped and with what. The account row, the contact details,
the free text, the conflicts and every session and notification of the person are deleted.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Intake, IntakeState, PlanProposal, ServerSession, Suggestion, User, utcnow
from portal.security import audit
from portal.services.intake import OPEN_STATES, withdraw_intake

# Reset to these values: everything about the person that is not a coarse statistic.
CLEARED = {
    "participant_id": None, "idempotency_key": None, "practice_area": None, "languages": [],
    "gender": None, "gender_pref": "none", "preferred_gender": None, "practice_pref": "none",
    "career_pref_similar": False, "share_region": False, "region_pref": "none", "language_pref": "none",
    "preferred_language": None, "availability_mask": 0, "voicemail_ok": False,
    "consent_version": None, "consent_at": None, "exclusion_counts": {},
    "suggestions_computed_at": None, "claim_password_hash": None, "claim_nonce": None,
    "claim_sent_at": None, "email_confirmed_at": None,
}
ENCRYPTED = ("alias", "note", "phone", "contact_times", "claim_email")
COARSENED = ("submitted_at", "waiting_since", "state_changed_at", "created_at", "closed_at")


def _month(moment: datetime | None) -> datetime | None:
    """The first instant of the month: enough for statistics, too coarse to point at a person."""
    if moment is None:
        return None
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def anonymise_intake(session: Session, intake: Intake) -> None:
    """Strip ``intake`` down to its statistical codes; its conflicts and suggestions go."""
    for name in ENCRYPTED:
        setattr(intake, name, None)
    for name, value in CLEARED.items():
        setattr(intake, name, value)
    for name in COARSENED:
        setattr(intake, name, _month(getattr(intake, name)))
    intake.conflicts = []
    session.execute(sa.delete(Suggestion).where(Suggestion.intake_id == intake.id))
    session.execute(sa.delete(PlanProposal).where(PlanProposal.intake_id == intake.id,
                                                  PlanProposal.status == "proposed"))
    intake.erased_at = utcnow()


def erase_participant(session: Session, user: User, *, actor: User) -> int:
    """Erase ``user`` and their requests' personal fields; returns how many requests were kept
    as anonymised rows. Open requests are withdrawn first, so a volunteer is told respectfully."""
    intakes = session.execute(
        sa.select(Intake).where(Intake.participant_id == user.id)
    ).scalars().all()
    for intake in intakes:
        if intake.state in OPEN_STATES:
            withdraw_intake(session, intake, actor=actor)
        anonymise_intake(session, intake)
        audit.record(session, actor=actor, action="erase", subject_type="intake",
                     subject_id=intake.id)
    audit.record(session, actor=actor, action="erase", subject_type="user_account",
                 subject_id=user.id, detail=str(user.role))
    session.execute(sa.delete(ServerSession).where(ServerSession.user_id == user.id))
    session.flush()
    # The account holds nothing but personal data (email, password): it goes entirely.
    # Its notifications go with it (ON DELETE CASCADE); the audit log keeps ids only.
    session.delete(user)
    session.flush()
    return len(intakes)


ENDED_STATES = (IntakeState.CLOSED, IntakeState.WITHDRAWN)


def _months_before(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 - months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def purge_past_retention(session: Session, now: datetime | None = None) -> int:
    """Erase requests ended longer ago than the retention period; returns how many.

    The person's account goes too once none of their requests is still open or recent.
    """
    from portal.services import settings

    now = now or utcnow()
    cutoff = _months_before(now, int(settings.get(session, "retention_months")))
    ended = sa.func.coalesce(Intake.closed_at, Intake.state_changed_at)
    due = session.execute(sa.select(Intake).where(
        Intake.state.in_(ENDED_STATES), Intake.erased_at.is_(None), ended < cutoff)).scalars().all()
    for intake in due:
        person = session.get(User, intake.participant_id) if intake.participant_id else None
        anonymise_intake(session, intake)
        audit.record(session, action="purge", subject_type="intake", subject_id=intake.id,
                     detail="retention")
        if person is not None and not _has_kept_requests(session, person):
            erase_participant(session, person, actor=None)
    session.flush()
    return len(due)


def _has_kept_requests(session: Session, person: User) -> bool:
    return session.execute(sa.select(Intake.id).where(
        Intake.participant_id == person.id, Intake.erased_at.is_(None)).limit(1)).first() is not None
