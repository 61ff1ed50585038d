"""Erasing a participant's personal data, keeping only an anonymised row for program statistics.

What stays of a request is only what the reports count: the month it came in, and how it
ended (its state and closing reason), with its offers and relationships dated by month. Its
answers (member type, career stage, region, topics, urgency) go: together they could single
out a lawyer in a small town. And no kept combination may be rarer than the report threshold:
``generalise_kept`` widens the outcome, then the month to its quarter or year, of any row that
would stand out, and drops a row that still would. The account, the contact details, the free
text, the conflicts, the check-ins and every session and notification of the person go too,
and so do the request's jobs and the staff's notices about it (each dated to the second),
but not what withdrawing it at erasure tells the volunteer and the coordinator.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import (
    CheckIn,
    Intake,
    IntakeState,
    Match,
    Notification,
    OutboxJob,
    PlanProposal,
    ProposalStatus,
    RevealNote,
    Role,
    ServerSession,
    Suggestion,
    User,
    utcnow,
)
from portal.security import audit
from portal.services.intake import ENDED_STATES, OPEN_STATES
from portal.services.intake_lifecycle import withdraw_intake

# Reset to these values: everything about the person that is not a coarse statistic.
CLEARED = {
    "participant_id": None, "idempotency_key": None, "practice_area": None, "languages": [],
    "member_type": None, "career_band": None, "region": None, "concerns": [],
    "primary_concern": None, "urgent": False, "priority": False,
    "gender": None, "gender_pref": "none", "preferred_gender": None, "practice_pref": "none",
    "career_pref_similar": False, "share_region": False, "region_pref": "none", "language_pref": "none",
    "preferred_language": None, "availability_mask": 0, "voicemail_ok": False,
    "consent_version": None, "consent_at": None, "exclusion_counts": {},
    "suggestions_computed_at": None, "claim_nonce": None,
    "claim_password_hash": None,  # nosec B105 - clearing a stored hash, not setting a password
    "claim_sent_at": None, "email_confirmed_at": None, "claim_expires_at": None,
    "claim_language": None,
    # Not counted by any report: back to their defaults.
    "entered_by_id": None, "channel": "online", "consent_method": "online", "reach_by": "account",
}
ENCRYPTED = ("alias", "note", "phone", "contact_times", "claim_email")
COARSENED = ("submitted_at", "waiting_since", "state_changed_at", "created_at", "closed_at")
MATCH_COARSENED = ("offered_at", "state_changed_at", "expires_at", "responded_at", "activated_at",
                   "closed_at", "created_at", "updated_at")


def _month(moment: datetime | None) -> datetime | None:
    """The first instant of the month: enough for statistics, too coarse to point at a person."""
    if moment is None:
        return None
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def anonymise_intake(session: Session, intake: Intake, *, trail=None) -> None:
    """Strip ``intake`` down to its statistical codes; its conflicts, suggestions and
    ``trail`` (``trail_of`` it, by default as it stands now) go."""
    trail = trail_of(session, intake) if trail is None else trail
    for name in ENCRYPTED:
        setattr(intake, name, None)
    for name, value in CLEARED.items():
        setattr(intake, name, value)
    for name in COARSENED:
        setattr(intake, name, _month(getattr(intake, name)))
    intake.kept_period = "month"
    intake.conflicts = []
    session.execute(sa.delete(Suggestion).where(Suggestion.intake_id == intake.id))
    session.execute(sa.delete(RevealNote).where(RevealNote.intake_id == intake.id))
    session.execute(sa.delete(PlanProposal).where(PlanProposal.intake_id == intake.id,
                                                  PlanProposal.status == ProposalStatus.PROPOSED))
    matches = session.execute(sa.select(Match).where(Match.intake_id == intake.id)).scalars().all()
    for match in matches:
        session.execute(sa.delete(CheckIn).where(CheckIn.match_id == match.id))
        match.score = None
        for name in MATCH_COARSENED:
            if hasattr(match, name):
                setattr(match, name, _month(getattr(match, name)))
    _forget_trail(session, trail)
    intake.erased_at = intake.updated_at = _month(utcnow())


def trail_of(session: Session, intake: Intake) -> tuple[list[int], list]:
    """The jobs and staff notices about the request and its offers, as they stand: each dates
    it to the second, and an urgent queue or notice says what erasure clears."""
    refs = [str(intake.id)] + [str(match_id) for match_id in session.execute(
        sa.select(Match.id).where(Match.intake_id == intake.id)).scalars()]
    notices = session.execute(sa.select(Notification.id).join(
        User, User.id == Notification.recipient_id).where(
        User.role.in_([role for role in Role if role.is_staff]),
        Notification.subject_type.in_(("intake", "match")),
        Notification.subject_id.in_(refs))).scalars().all()
    named = refs + [str(note_id) for note_id in notices]
    jobs = session.execute(sa.select(OutboxJob.id).where(OutboxJob.ref.in_(named))).scalars().all()
    return list(jobs), list(notices)


def _forget_trail(session: Session, trail: tuple[list[int], list]) -> None:
    """Delete the trail. A job still on its way then finds no row and does nothing
    (workers/runtime.run_outbox_job)."""
    jobs, notices = trail
    session.execute(sa.delete(OutboxJob).where(OutboxJob.id.in_(jobs)))
    session.execute(sa.delete(Notification).where(Notification.id.in_(notices)))


def erase_participant(session: Session, user: User, *, actor: User | None,
                      k: int | None = None) -> int:
    """Erase ``user`` and their requests' personal fields; returns how many requests were kept
    as anonymised rows. Open requests are withdrawn first, so a volunteer is told respectfully."""
    intakes = session.execute(
        sa.select(Intake).where(Intake.participant_id == user.id)
    ).scalars().all()
    for intake in intakes:
        # Taken first: what the withdrawal tells the volunteer and the coordinator is kept.
        trail = trail_of(session, intake)
        if intake.state in OPEN_STATES:
            withdraw_intake(session, intake, actor=actor)
        anonymise_intake(session, intake, trail=trail)
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
    generalise_kept(session, k)
    return len(intakes)


def _months_before(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 - months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def purge_past_retention(session: Session, now: datetime | None = None,
                         k: int | None = None) -> int:
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
            erase_participant(session, person, actor=None, k=k)
    generalise_kept(session, k)
    return len(due)


def _has_kept_requests(session: Session, person: User) -> bool:
    return session.execute(sa.select(Intake.id).where(
        Intake.participant_id == person.id, Intake.erased_at.is_(None)).limit(1)).first() is not None


# ---------------------------------------------------------------- no row stands out

PERIODS = ("month", "quarter", "year")   # how finely an erased request's arrival is kept
ENDED = (IntakeState.CLOSED, IntakeState.WITHDRAWN)


def _period_start(moment: datetime, period: str) -> datetime:
    moment = _month(moment)
    if period == "quarter":
        return moment.replace(month=(moment.month - 1) // 3 * 3 + 1)
    if period == "year":
        return moment.replace(month=1)
    return moment


def _outcome(state, close_reason) -> tuple:
    return (state, close_reason)


def _peers(rows: list, period: str, start: datetime, outcome: tuple | None) -> int:
    """Requests, erased or not, that look the same as a kept row: arrived in that period and
    ended the same way (``None``: ended at all)."""
    return sum(1 for row in rows
               if _period_start(row.submitted_at, period) == start
               and (row.state in ENDED if outcome is None
                    else _outcome(row.state, row.close_reason) == outcome))


def _widen(intake: Intake) -> bool:
    """One step coarser: the outcome to "ended", then the month to its quarter, then to its
    year. False when nothing is left to widen."""
    if intake.close_reason is not None or intake.state != IntakeState.CLOSED:
        intake.close_reason, intake.state = None, IntakeState.CLOSED
    elif intake.kept_period != PERIODS[-1]:
        intake.kept_period = PERIODS[PERIODS.index(intake.kept_period or "month") + 1]
        intake.submitted_at = _period_start(intake.submitted_at, intake.kept_period)
    else:
        return False
    intake.waiting_since = intake.state_changed_at = intake.created_at = intake.submitted_at
    intake.closed_at = None
    return True


def rare_rows(session: Session, k: int) -> list[Intake]:
    """Erased rows that fewer than ``k`` requests look like (see ``_peers``)."""
    everyone = session.execute(sa.select(Intake.submitted_at, Intake.state, Intake.close_reason,
                                         Intake.erased_at, Intake.kept_period)).all()
    erased = session.execute(sa.select(Intake).where(Intake.erased_at.is_not(None))).scalars()
    rare = []
    for intake in erased:
        widened = intake.state == IntakeState.CLOSED and intake.close_reason is None
        outcome = None if widened else _outcome(intake.state, intake.close_reason)
        period = intake.kept_period or "month"
        if _peers(everyone, period, _period_start(intake.submitted_at, period), outcome) < k:
            rare.append(intake)
    return rare


def generalise_kept(session: Session, k: int | None = None) -> int:
    """Widen, then drop, erased rows until each looks like ``k`` requests or more (the report
    threshold by default): the kept combination of period and outcome points at nobody.
    Returns how many rows were dropped."""
    from portal.reports.suppression import effective_threshold  # the reports' own rule
    from portal.services import settings

    k = effective_threshold(k if k is not None else settings.get(session, "suppression_threshold"))
    dropped = 0
    while True:
        session.flush()
        rare = rare_rows(session, k)
        if not rare:
            return dropped
        for intake in rare:
            if not _widen(intake):
                session.delete(intake)  # fewer than k even as "a request that year, ended"
                dropped += 1
