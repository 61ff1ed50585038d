"""A request paused, resumed or withdrawn: one function per transition, whoever asks (the
participant, or the coordinator for pausing and resuming). Closing is ``triage.close_intake``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.i18n import lazy_gettext as _l
from portal.models import Intake, IntakeState, MatchState, User, utcnow
from portal.services import matching, offers, relationships
from portal.services.errors import Conflict, InvalidTransition
from portal.services.intake import OPEN_STATES
from portal.services.intake_progress import matches_of
from portal.services.states import transition


def _changed_meanwhile() -> Conflict:
    return Conflict(str(_l("Something changed with your request a moment ago. Please reload the "
                           "page to see where it stands.")))


def _withdraw_offers(session: Session, intake: Intake, actor: User,
                     reason: str = "participant") -> None:
    """Offers awaiting a volunteer's answer are taken back: nobody accepts a paused request."""
    for match in matches_of(session, intake, MatchState.OFFERED):
        try:
            offers.withdraw(session, match, actor=actor, reason=reason)
        except Conflict as exc:  # answered or expired a moment ago
            raise _changed_meanwhile() from exc


def _close_active(session: Session, intake: Intake, actor: User, reason: str) -> None:
    """End an active relationship respectfully: the volunteer and the coordinator are told."""
    for match in matches_of(session, intake, MatchState.ACTIVE):
        try:
            relationships.end_relationship(session, match, actor=actor, reason=reason)
        except Conflict as exc:  # ended by the other side a moment ago
            raise _changed_meanwhile() from exc


# Why a pause is refused, in the words of the person asking.
PAUSE_REFUSED = {
    "participant": _l("This request cannot be paused right now."),
    "coordinator": _l("Only a request that is waiting or has an offer out can be paused."),
}


def pause_intake(session: Session, intake: Intake, *, actor: User, by: str = "participant") -> None:
    """Stop looking for a peer for now (asked ``by`` the participant or the coordinator).

    The request keeps its place; an unanswered offer is taken back. If the volunteer answered
    it a moment ago, nothing changes and the person is told to look again.
    """
    if intake.state not in (IntakeState.WAITING, IntakeState.OFFERED):
        raise InvalidTransition(str(PAUSE_REFUSED[by]))
    _withdraw_offers(session, intake, actor, reason="participant" if by == "participant"
                     else "intake_paused")
    intake = offers.lock(session, Intake, intake.id)
    if intake.state is not IntakeState.WAITING:
        raise _changed_meanwhile()
    transition(session, intake, IntakeState.PAUSED, actor=actor, reason=by)


def resume_intake(session: Session, intake: Intake, *, actor: User, by: str = "participant") -> None:
    """Start looking for a peer again; suggestions are computed afresh."""
    intake = offers.lock(session, Intake, intake.id)
    if intake.state is not IntakeState.PAUSED:
        raise InvalidTransition(str(_l("This request is not paused.")))
    transition(session, intake, IntakeState.WAITING, actor=actor, reason=by)
    intake.waiting_since = utcnow()
    matching.ask_for_suggestions(session, intake)


def withdraw_intake(session: Session, intake: Intake, *, actor: User) -> None:
    """End the request: offers are taken back and an active relationship is closed."""
    if intake.state not in OPEN_STATES:
        raise InvalidTransition(str(_l("This request has already ended.")))
    _withdraw_offers(session, intake, actor)
    _close_active(session, intake, actor, "withdrawn")
    intake = offers.lock(session, Intake, intake.id)
    if intake.state not in OPEN_STATES:
        raise _changed_meanwhile()
    transition(session, intake, IntakeState.WITHDRAWN, actor=actor, reason="participant")
    intake.closed_at, intake.close_reason = utcnow(), "withdrawn"
