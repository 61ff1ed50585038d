"""A request for a peer sent by the person themselves: its answers checked, stored once per
token, matched and announced. The coordinator's entry is ``intake_on_behalf``; following it is
``intake_progress``; pausing, resuming and withdrawing it, ``intake_lifecycle``."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import vocab
from portal.i18n import lazy_gettext as _l
from portal.models import (
    ConflictEntry,
    ConflictKind,
    Intake,
    IntakeState,
    Role,
    User,
    utcnow,
)
from portal.security import audit, passwords
from portal.security.crypto import blind_index, normalise_name
from portal.services import (
    accounts,
    address_checks,
    matching,
    notifications,
    outbox,
    program_lists,
    settings,
)
from portal.services.errors import DomainError

OPEN_STATES = (IntakeState.WAITING, IntakeState.OFFERED, IntakeState.MATCHED, IntakeState.PAUSED)
ENDED_STATES = (IntakeState.CLOSED, IntakeState.WITHDRAWN)


class InvalidAnswers(DomainError):
    """An answer outside its bounds reached the service (the forms should have caught it)."""

    status = 422


class ConsentOutdated(DomainError):
    """The principles changed after the person read them: they must see the new version."""

    status = 422


class AlreadyOpen(DomainError):
    """The person already has a request in progress (``user`` proved who they are)."""

    def __init__(self, message: str, user: User):
        super().__init__(message)
        self.user = user


@dataclass(frozen=True)
class Answers:
    """Everything a participant tells us, as codes and short texts."""

    alias: str
    member_type: str
    career_band: str
    region: str
    languages: list[str]
    concerns: list[str]
    availability_mask: int
    practice_area: str | None = None
    gender: str | None = None
    primary_concern: str | None = None
    note: str | None = None
    gender_pref: str = "none"
    preferred_gender: str | None = None
    practice_pref: str = "none"
    career_pref_similar: bool = False
    region_pref: str = "none"
    share_region: bool = False
    language_pref: str = "none"
    preferred_language: str | None = None
    phone: str | None = None
    voicemail_ok: bool = False
    contact_times: str | None = None
    firms: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    urgent: bool = False


@dataclass(frozen=True)
class Submission:
    """The outcome of sending a request; a replay names no user, so nobody is signed in by it."""

    intake: Intake
    user: User | None
    replayed: bool


def token_key(token: str) -> str:
    """What is stored for a submission token: its hash (the token also guards the form)."""
    return hashlib.sha256(f"intake:{token}".encode()).hexdigest()


def find_by_token(session: Session, token: str | None) -> Intake | None:
    """The intake already sent with ``token``, if any."""
    if not token or len(token) > 100:
        return None
    return session.execute(
        sa.select(Intake).where(Intake.idempotency_key == token_key(token))
    ).scalar()


def known(vocabulary, *values, optional: bool = False) -> bool:
    """Every value is a code of ``vocabulary`` (or None, when optional)."""
    codes = vocab.codes(vocabulary)
    return all((optional and value is None) or value in codes for value in values)


def _choices_ok(session: Session, a: Answers) -> bool:
    regions, areas = (program_lists.codes(session, name) for name in ("regions", "practice_areas"))
    return all((
        a.region in regions, a.practice_area is None or a.practice_area in areas,
        known(vocab.MEMBER_TYPES, a.member_type), known(vocab.CAREER_BANDS, a.career_band),
        known(vocab.GENDER_PREFERENCES, a.gender_pref),
        known(vocab.PRACTICE_PREFERENCES, a.practice_pref),
        known(vocab.REGION_PREFERENCES, a.region_pref),
        known(vocab.LANGUAGE_PREFERENCES, a.language_pref),
        known(vocab.GENDERS, a.gender, a.preferred_gender, optional=True),
        known(vocab.LANGUAGES, a.preferred_language, optional=True),
        bool(a.languages) and known(vocab.LANGUAGES, *a.languages),
        bool(a.concerns) and known(vocab.CONCERNS, *a.concerns),
        a.primary_concern is None or a.primary_concern in a.concerns,
    ))


def check_answers(session: Session, answers: Answers) -> None:
    """Refuse answers outside the program's vocabularies and bounds."""
    lengths = ((answers.alias, 60), (answers.note, 2000), (answers.phone, 30),
               (answers.contact_times, 200))
    within = all(len(text or "") <= limit for text, limit in lengths) and answers.alias.strip()
    mask_ok = 0 < answers.availability_mask < (1 << vocab.AVAILABILITY_CELLS)
    names_ok = all(len(n) <= 120 for n in answers.firms + answers.people) and \
        len(answers.firms) <= 10 and len(answers.people) <= 10
    if not (within and mask_ok and names_ok and _choices_ok(session, answers)):
        raise InvalidAnswers(str(_l("Some answers were not in the form we expected. "
                                    "Please go back through the steps and try again.")))


def open_intake_of(session: Session, user: User) -> Intake | None:
    """The person's request still in progress, if any."""
    return session.execute(
        sa.select(Intake).where(Intake.participant_id == user.id, Intake.state.in_(OPEN_STATES))
        .order_by(Intake.submitted_at.desc())
    ).scalars().first()


def _proven_account(session: Session, email: str, password: str, *, ip=None) -> User | None:
    """The person's own participant account, if this password opens it; None otherwise.

    None leads to the same page and the same email whether the address is new, another
    person's, or a volunteer's: the answer must not tell a stranger who has an account here.
    """
    if accounts.find_by_email(session, email) is None:
        passwords.verify_password(None, password)  # the same work as for a known address
        return None
    user = accounts.authenticate(session, email, password, ip=ip)
    return user if user is not None and user.role is Role.PARTICIPANT else None


def _conflict_entries(answers: Answers) -> list[ConflictEntry]:
    entries = []
    for kind, names in ((ConflictKind.FIRM, answers.firms), (ConflictKind.PERSON, answers.people)):
        for name in names:
            if normalise_name(name):  # "LLP" alone would index as an empty name
                entries.append(ConflictEntry(kind=kind, value=name,
                                             value_index=blind_index(name, "name")))
    return entries


def new_intake(session: Session, answers: Answers, person: User | None, token: str,
                consent_version: str) -> Intake:
    now = utcnow()
    choices = {name: getattr(answers, name) for name in (
        "member_type", "career_band", "practice_area", "region", "languages", "gender",
        "concerns", "gender_pref", "preferred_gender", "practice_pref", "career_pref_similar",
        "region_pref", "language_pref", "preferred_language", "availability_mask",
        "voicemail_ok", "share_region", "urgent")}
    intake = Intake(
        participant_id=person.id if person else None, idempotency_key=token_key(token),
        submitted_at=now, email_confirmed_at=now if person else None,
        waiting_since=now, state_changed_at=now, consent_at=now,
        consent_version=consent_version,
        primary_concern=answers.primary_concern or answers.concerns[0],
        # Encrypted at rest (EncryptedField): what the person wrote in their own words.
        alias=answers.alias, note=answers.note, phone=answers.phone,
        contact_times=answers.contact_times, **choices,
    )
    intake.conflicts = _conflict_entries(answers)
    return intake


def submit_intake(session: Session, answers: Answers, *, token: str, consent_version: str,
                  user: User | None = None, email: str | None = None,
                  password: str | None = None, ip: str | None = None,
                  language_code: str | None = None) -> Submission:
    """Create the intake with its conflicts, suggestion job and staff notice, once per token.

    ``consent_version`` is the version of the principles the person was shown and agreed to.
    Someone not signed in is known only if ``password`` opens their participant account;
    otherwise the request is held for the address to be confirmed (``address_checks``) and
    goes ahead meanwhile, attached to nobody; ``language_code`` is the language it was made in.
    """
    existing = find_by_token(session, token)
    if existing is not None:
        return Submission(existing, None, replayed=True)
    check_answers(session, answers)
    if consent_version != settings.get(session, "consent_version"):
        raise ConsentOutdated(str(_l("The program's principles were updated a moment ago. "
                                     "Please read them again below before sending.")))
    person = user or _proven_account(session, email, password, ip=ip)
    if person is not None and open_intake_of(session, person) is not None:
        raise AlreadyOpen(str(_l("You already have a request in progress. Here is where it "
                                 "stands.")), person)
    intake = new_intake(session, answers, person, token, consent_version)
    session.add(intake)
    session.flush()
    if person is None:
        address_checks.hold(session, intake, email=email, password=password,
                            language_code=language_code)
    audit.record(session, actor=person, action="create", subject_type="intake",
                 subject_id=intake.id, detail="urgent" if intake.urgent else None, ip=ip)
    matching.ask_for_suggestions(session, intake)
    announce(session, intake)
    return Submission(intake, person, replayed=False)


# Suggestions take seconds; a routine request waits this long for them before it is
# announced on its own (the suggestion job failed, or no worker is up).
ANNOUNCE_AFTER = timedelta(minutes=5)


def announce(session: Session, intake: Intake) -> None:
    """One notice per new request: urgent ones now, routine ones with their suggestions."""
    if intake.urgent:
        notifications.notify_staff(session, "urgent_request", subject_type="intake",
                                   subject_id=intake.id)
    else:
        outbox.enqueue(session, "announce_request", intake.id, delay=ANNOUNCE_AFTER)


def announce_if_unannounced(session: Session, intake_id) -> bool:
    """The fallback: tell staff about a waiting request nobody has heard of yet."""
    intake = session.get(Intake, uuid.UUID(str(intake_id)))
    if intake is None or intake.state != IntakeState.WAITING or intake.erased_at is not None:
        return False
    if notifications.staff_told_since(session, "intake", intake.id, intake.waiting_since):
        return False
    notifications.notify_staff(session, "new_request", subject_type="intake", subject_id=intake.id)
    return True
