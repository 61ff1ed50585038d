"""Volunteers: their profile and boundaries, weekly availability, pause and away, onboarding.

Every change that can alter who is matchable queues one recomputation of suggestions for
waiting intakes through the outbox, debounced: many changes in a minute cause one run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import vocab
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.matching.rules import volunteer_failures
from portal.models import (
    ConflictEntry,
    ConflictKind,
    Match,
    MatchState,
    OnboardingState,
    User,
    VolunteerProfile,
)
from portal.security import audit
from portal.security.crypto import blind_index
from portal.services import approvals, calendar, outbox
from portal.services.errors import Conflict, DomainError, NotFound
from portal.services.states import transition

CAPACITY_MIN, CAPACITY_MAX = 1, 5
RECOMPUTE_DELAY = timedelta(seconds=60)
FULL_MASK = (1 << vocab.AVAILABILITY_CELLS) - 1

STATE_LABELS = {
    OnboardingState.APPLIED: _l("Applied"),
    OnboardingState.SCREENED: _l("Screened"),
    OnboardingState.TRAINED: _l("Trained"),
    OnboardingState.ACTIVE: _l("Active"),
    OnboardingState.PAUSED: _l("Paused"),
    OnboardingState.RETIRED: _l("Retired"),
}
# The answers matching cannot do without. The name is read through its ciphertext, so a
# row loaded without decrypting anything answers the same as the profile.
REQUIRED_ANSWERS = ("display_name_ct", "practice_area", "career_band", "region", "languages_mask")


@dataclass
class ProfileChanges:
    """The volunteer's own answers from the profile form, already validated."""

    display_name: str
    full_name: str
    practice_area: str
    career_band: str
    region: str
    capacity: int
    experience: list[str] = field(default_factory=list)
    boundaries: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    gender: str | None = None
    firms: list[str] = field(default_factory=list)
    note_for_coordinator: str | None = None


def program_today(session: Session) -> date:
    """Today in the program's time zone (away dates are the volunteer's calendar days)."""
    return calendar.program_today(session)


def get_profile(session: Session, user: User) -> VolunteerProfile:
    """The signed-in volunteer's own profile."""
    profile = session.execute(
        sa.select(VolunteerProfile).where(VolunteerProfile.user_id == user.id)
    ).scalar()
    if profile is None:
        raise NotFound(_("Your volunteer profile has not been set up yet. "
                         "Please contact the program coordinator."))
    return profile


def get_by_id(session: Session, profile_id: uuid.UUID) -> VolunteerProfile:
    """A profile by id, for staff pages."""
    profile = session.get(VolunteerProfile, profile_id)
    if profile is None:
        raise NotFound(_("We could not find that volunteer."))
    return profile


def list_profiles(session: Session) -> list[VolunteerProfile]:
    """Every volunteer, onboarding first, then by name (names are encrypted: sorted here)."""
    order = {state: i for i, state in enumerate(OnboardingState)}
    profiles = session.execute(sa.select(VolunteerProfile)).scalars().all()
    return sorted(profiles, key=lambda p: (order[p.state], (p.display_name or "").lower()))


def load_counts(session: Session, profile: VolunteerProfile) -> dict[MatchState, int]:
    """How many of the volunteer's matches are offered and active."""
    rows = session.execute(
        sa.select(Match.state, sa.func.count()).where(
            Match.volunteer_id == profile.id,
            Match.state.in_([MatchState.OFFERED, MatchState.ACTIVE]),
        ).group_by(Match.state)
    ).all()
    counts = {MatchState.OFFERED: 0, MatchState.ACTIVE: 0}
    counts.update(dict(rows))
    return counts


def is_complete(profile) -> bool:
    """The answers matching cannot do without are given (a profile, or a row of its columns)."""
    return all(getattr(profile, name) for name in REQUIRED_ANSWERS)


def matching_problems(session: Session, profile: VolunteerProfile, today: date) -> list[str]:
    """Codes of every reason the volunteer cannot take a new offer today; empty if they can.

    The engine's own facts (``eligibility.VOLUNTEER_FACTS``), read from the same record.
    """
    from portal.services import engine_records  # it builds on this module: import at call time

    return list(volunteer_failures(engine_records.volunteer_record(session, profile, today)))


def queue_recompute(session: Session, profile: VolunteerProfile, *,
                    in_flush: bool = False) -> None:
    """Suggestions for waiting intakes may change: one debounced recomputation of what this
    volunteer's change can alter (``services/recompute``).

    Only an active volunteer's changes can alter suggestions (call it before leaving active):
    any other fails a rule that comes before capacity, whatever their load. A change to their
    load queues it by itself (``services/pool_version``, ``in_flush``: from inside the flush).
    """
    if profile.state == OnboardingState.ACTIVE:
        outbox.enqueue(session, "recompute_for_volunteer", profile.id, delay=RECOMPUTE_DELAY,
                       dedupe_key=f"recompute_for_volunteer:{profile.id}", flush=not in_flush)


def _audit_change(session: Session, profile: VolunteerProfile, actor, detail: str) -> None:
    audit.record(session, actor=actor, action="update", subject_type="volunteer_profile",
                 subject_id=profile.id, detail=detail)


# ---------------------------------------------------------------- profile

def conflict_values(profile: VolunteerProfile, kind: ConflictKind) -> list[str]:
    """The volunteer's own declared names of one kind, decrypted for their profile form."""
    entries = sorted((e for e in profile.conflicts if e.kind == kind), key=lambda e: e.created_at)
    return [entry.value for entry in entries]


def _replace_conflicts(profile: VolunteerProfile, kind: ConflictKind, values: list[str]) -> None:
    """Keep one entry per distinct name (by its blind index), replacing the old ones."""
    profile.conflicts[:] = [e for e in profile.conflicts if e.kind != kind]
    seen = set()
    for value in filter(None, (v.strip() for v in values)):
        index = blind_index(value, "name")
        if index not in seen:
            seen.add(index)
            profile.conflicts.append(ConflictEntry(volunteer_id=profile.id, kind=kind,
                                                   value=value, value_index=index))


def update_profile(session: Session, profile: VolunteerProfile, changes: ProfileChanges, *,
                   actor) -> None:
    """Save the volunteer's answers; firms and own name become blind-indexed conflicts."""
    if not CAPACITY_MIN <= changes.capacity <= CAPACITY_MAX:
        raise DomainError(_("Capacity must be between %(low)d and %(high)d.",
                            low=CAPACITY_MIN, high=CAPACITY_MAX))
    for name in ("display_name", "practice_area", "career_band", "region", "capacity",
                 "experience", "boundaries", "languages", "gender", "note_for_coordinator"):
        setattr(profile, name, getattr(changes, name))
    _replace_conflicts(profile, ConflictKind.FIRM, changes.firms)
    _replace_conflicts(profile, ConflictKind.OWN_NAME, [changes.full_name])
    session.flush()
    _audit_change(session, profile, actor, "profile")
    queue_recompute(session, profile)


# ---------------------------------------------------------------- availability, away, pause

def set_cell(session: Session, profile: VolunteerProfile, cell: int, on: bool, *, actor) -> None:
    """Mark one cell of the weekly grid available or not (idempotent: a set, not a toggle)."""
    if not 0 <= cell < vocab.AVAILABILITY_CELLS:
        raise NotFound(_("That time slot does not exist."))
    bit = 1 << cell
    set_availability(session, profile,
                     profile.availability_mask | bit if on else profile.availability_mask & ~bit,
                     actor=actor)


def set_availability(session: Session, profile: VolunteerProfile, mask: int, *, actor) -> None:
    """Replace the whole weekly grid."""
    if not 0 <= mask <= FULL_MASK:
        raise DomainError(_("Those times are not part of the weekly grid."))
    if mask == profile.availability_mask:
        return
    profile.availability_mask = mask
    _audit_change(session, profile, actor, "availability")
    queue_recompute(session, profile)


def set_away(session: Session, profile: VolunteerProfile, *, start: date | None,
             end: date | None, actor) -> None:
    """Set (or, with no start, clear) the away period; an open end means until they return."""
    if start is None:
        end = None
    elif end is not None and end < start:
        raise DomainError(_("The last day away must be on or after the first."))
    profile.away_from, profile.away_until = start, end
    _audit_change(session, profile, actor, "away")
    queue_recompute(session, profile)


def set_paused(session: Session, profile: VolunteerProfile, paused: bool, *, actor) -> None:
    """The volunteer's own switch: no new offers while paused; current relationships go on."""
    if profile.paused == paused:
        return
    profile.paused = paused
    _audit_change(session, profile, actor, "paused" if paused else "resumed")
    queue_recompute(session, profile)


# ---------------------------------------------------------------- onboarding (coordinator)

def create_applicant(session: Session, user: User, *, actor) -> VolunteerProfile:
    """A new volunteer's empty profile, at the start of onboarding."""
    profile = VolunteerProfile(user_id=user.id, state=OnboardingState.APPLIED, capacity=1)
    session.add(profile)
    session.flush()
    audit.record(session, actor=actor, action="create", subject_type="volunteer_profile",
                 subject_id=profile.id, detail=str(OnboardingState.APPLIED))
    return profile


def record_screening(session: Session, profile: VolunteerProfile, *, on: date, actor) -> None:
    """Screening done on ``on``, recorded by ``actor``."""
    transition(session, profile, OnboardingState.SCREENED, actor=actor, reason="screened")
    profile.screened_on = on
    profile.screened_by_id = actor.id


def record_training(session: Session, profile: VolunteerProfile, *, on: date, course: str,
                    actor) -> None:
    """Training completed on ``on`` (not before screening)."""
    if profile.screened_on is not None and on < profile.screened_on:
        raise DomainError(_("Training cannot be completed before screening."))
    transition(session, profile, OnboardingState.TRAINED, actor=actor, reason="trained")
    profile.trained_on = on
    profile.training_course = course


def activate(session: Session, profile: VolunteerProfile, *, actor) -> None:
    """Trained (or paused) → active: from now on the volunteer can be matched.

    Made active after training, their approval starts: it holds for the set months
    (``approvals``); back from a pause, it keeps its date.
    """
    if not is_complete(profile):
        raise Conflict(_("The volunteer's profile is not complete yet; they can finish it "
                         "after signing in."))
    if profile.state == OnboardingState.TRAINED or profile.approved_until is None:
        approvals.start(session, profile)
    transition(session, profile, OnboardingState.ACTIVE, actor=actor, reason="activated")
    queue_recompute(session, profile)


def pause_volunteer(session: Session, profile: VolunteerProfile, *, actor) -> None:
    """The coordinator pauses an active volunteer; open offers are withdrawn."""
    queue_recompute(session, profile)
    transition(session, profile, OnboardingState.PAUSED, actor=actor, reason="paused")
    _withdraw_open_offers(session, profile, actor)


def retire(session: Session, profile: VolunteerProfile, *, actor) -> None:
    """The volunteer leaves the program; refused while they still support someone."""
    active = load_counts(session, profile)[MatchState.ACTIVE]
    if active:
        raise Conflict(_("This volunteer still has %(num)d active relationship(s). Close or hand "
                         "them over first.", num=active))
    queue_recompute(session, profile)
    transition(session, profile, OnboardingState.RETIRED, actor=actor, reason="retired")
    _withdraw_open_offers(session, profile, actor)


def _withdraw_open_offers(session: Session, profile: VolunteerProfile, actor) -> None:
    from portal.services import offers  # offers depends on this module: import at call time

    for match in offers.open_offers(session, profile):
        offers.withdraw(session, match, actor=actor, reason="volunteer_unavailable")
