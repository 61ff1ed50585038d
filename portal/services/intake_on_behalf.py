"""A request the coordinator enters for someone (a phone call, a walk-in, a colleague's
referral with their consent): the same checks, matching and notices as a self-referral."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal import vocab
from portal.i18n import lazy_gettext as _l
from portal.models import Intake, User
from portal.security import audit
from portal.services import matching, settings
from portal.services.intake import (
    Answers,
    InvalidAnswers,
    announce,
    check_answers,
    find_by_token,
    known,
    new_intake,
)


@dataclass(frozen=True)
class OnBehalf:
    """How a request the coordinator enters came in, and how the person wants to be reached."""

    channel: str          # vocab.INTAKE_CHANNELS
    consent_method: str   # vocab.CONSENT_METHODS
    reach_by: str         # vocab.REACH_BY
    email: str | None = None


def check_on_behalf(how: OnBehalf, answers: Answers) -> None:
    """Refuse an entry that could not reach the person the way they asked."""
    if not (known(vocab.INTAKE_CHANNELS, how.channel)
            and known(vocab.CONSENT_METHODS, how.consent_method)
            and known(vocab.REACH_BY, how.reach_by)):
        raise InvalidAnswers(str(_l("Please choose one of the options shown.")))
    if how.reach_by == "email" and not how.email:
        raise InvalidAnswers(str(_l("Please enter their email address, or choose another way "
                                    "to reach them.")))
    if how.reach_by == "phone" and not answers.phone:
        raise InvalidAnswers(str(_l("Please enter their phone number, or choose another way "
                                    "to reach them.")))


def submit_on_behalf(session: Session, answers: Answers, how: OnBehalf, *, token: str,
                     actor: User) -> Intake:
    """A request the coordinator enters for someone (a phone call, a walk-in, a colleague's
    referral with their consent): the same checks, matching and notices as a self-referral,
    attached to no account. Nothing is ever sent to the person (no account, no notification)
    unless the coordinator later invites them to an account (``address_checks.invite``)."""
    existing = find_by_token(session, token)
    if existing is not None:
        return existing
    check_answers(session, answers)
    check_on_behalf(how, answers)
    intake = new_intake(session, answers, None, token, settings.get(session, "consent_version"))
    intake.channel, intake.consent_method = how.channel, how.consent_method
    intake.reach_by, intake.entered_by_id = how.reach_by, actor.id
    intake.claim_email = how.email.strip() if how.reach_by == "email" and how.email else None
    session.add(intake)
    session.flush()
    audit.record(session, actor=actor, action="create", subject_type="intake",
                 subject_id=intake.id, detail=f"on_behalf:{how.channel}",
                 reason="urgent" if intake.urgent else None)
    matching.ask_for_suggestions(session, intake)
    announce(session, intake)
    return intake
