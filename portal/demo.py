"""Demo data for development: staff, about 30 volunteers and about 10 intakes in varied states.

Seeded with a fixed random seed so every developer sees the same program.
Never run in production (the CLI refuses).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import vocab
from portal.models import (
    Intake,
    IntakeState,
    Match,
    MatchState,
    OnboardingState,
    ReferralResource,
    User,
    VolunteerProfile,
    utcnow,
)
from portal.models.intake import ConflictEntry, ConflictKind
from portal.security.crypto import blind_index
from portal.security.passwords import hash_password
from portal.services import program_lists
from portal.services.accounts import create_user

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105  # nosec B105  # printed demo sign-in; the seed-demo command refuses production
FIRST_NAMES = ["Avery", "Jordan", "Morgan", "Riley", "Casey", "Quinn", "Taylor", "Jamie", "Robin",
               "Sam", "Alex", "Drew", "Kelly", "Leslie", "Dana", "Pat", "Chris", "Terry", "Lee",
               "Jesse", "Shawn", "Kim", "Devon", "Blair", "Reese", "Rowan", "Sage", "Ari", "Noel",
               "Emery"]
FIRMS = ["Northgate Legal LLP", "Bow River Law", "Prairie Counsel", "Aspen & Cole",
         "Red Deer Legal Clinic", "Chinook Barristers"]
RESOURCES = [
    ("Emergency services", "crisis_line", "911", True),
    ("Suicide Crisis Helpline", "crisis_line", "988", True),
    ("Program counselling line (24/7)", "counselling", "1-800-555-0199", True),
    ("Practice ethics advice line", "ethics_advice", "1-800-555-0142", False),
    ("Financial counselling service", "financial_counselling", "1-800-555-0177", False),
    ("Mutual aid meetings directory", "twelve_step", None, False),
]


def _mask(rng: random.Random, density: float) -> int:
    return sum(1 << cell for cell in range(vocab.AVAILABILITY_CELLS) if rng.random() < density)


def _pick(rng, vocabulary, k):
    return rng.sample(vocab.codes(vocabulary), k)


def _account(session, email, role, password_hash, actor=None) -> User:
    # One argon2 hash for every demo account: hashing 40 times would only slow the seed.
    user = create_user(session, email=email, password=None, role=role, actor=actor)
    user.password_hash = password_hash
    return user


def _volunteer(session, rng, index, coordinator, password_hash) -> VolunteerProfile:
    name = FIRST_NAMES[index % len(FIRST_NAMES)]
    user = _account(session, f"volunteer{index + 1}@example.org", "volunteer", password_hash,
                    coordinator)
    state = rng.choices([OnboardingState.ACTIVE, OnboardingState.TRAINED, OnboardingState.PAUSED],
                        weights=[8, 1, 1])[0]
    profile = VolunteerProfile(
        user_id=user.id, state=state, display_name=name,
        experience=_pick(rng, vocab.CONCERNS, rng.randint(1, 4)),
        boundaries=_pick(rng, vocab.CONCERNS, rng.randint(0, 2)),
        practice_area=rng.choice(program_lists.codes(session, "practice_areas", retired=False)),
        career_band=rng.choice(vocab.codes(vocab.CAREER_BANDS)[1:]),
        region=rng.choice(program_lists.codes(session, "regions", retired=False)),
        languages=["en"] + (["fr"] if rng.random() < 0.2 else []),
        gender=rng.choice(vocab.codes(vocab.GENDERS)), capacity=rng.randint(1, 3),
        availability_mask=_mask(rng, 0.35), screened_on=date(2026, 1, 15),
        trained_on=date(2026, 2, 20), training_course="Peer support foundations",
    )
    session.add(profile)
    session.flush()
    firm = rng.choice(FIRMS)
    session.add(ConflictEntry(volunteer_id=profile.id, kind=ConflictKind.FIRM, value=firm,
                              value_index=blind_index(firm, "name")))
    return profile


def _intake(session, rng, index, state, password_hash, urgent=False) -> Intake:
    user = _account(session, f"participant{index + 1}@example.org", "participant", password_hash)
    concerns = _pick(rng, vocab.CONCERNS[:-1], rng.randint(1, 3))
    submitted = utcnow() - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23))
    intake = Intake(
        participant_id=user.id, state=state, urgent=urgent, alias=f"Member {index + 1}",
        member_type=rng.choice(vocab.codes(vocab.MEMBER_TYPES)),
        career_band=rng.choice(vocab.codes(vocab.CAREER_BANDS)),
        practice_area=rng.choice(program_lists.codes(session, "practice_areas", retired=False)),
        region=rng.choice(program_lists.codes(session, "regions", retired=False)), languages=["en"],
        concerns=concerns, primary_concern=concerns[0], availability_mask=_mask(rng, 0.3),
        region_pref=rng.choice(["none", "same", "outside"]), contact_times="Weekday evenings",
        consent_version="2026-11", consent_at=utcnow(),
        submitted_at=submitted, waiting_since=submitted, state_changed_at=submitted,
    )
    session.add(intake)
    session.flush()
    return intake


def seed(session: Session, *, only_if_empty: bool = False) -> list[tuple[str, str, str]]:
    """Create the demo program; returns the demo sign-ins (role, email, password)."""
    if only_if_empty and session.execute(sa.select(sa.func.count()).select_from(User)).scalar():
        return []
    rng = random.Random(20261127)  # noqa: S311  # nosec B311  # seeded so every developer sees the same demo data; no secret comes from it
    password_hash = hash_password(DEMO_PASSWORD)
    coordinator = _account(session, "coordinator@example.org", "coordinator", password_hash)
    _account(session, "admin@example.org", "admin", password_hash)
    volunteers = [_volunteer(session, rng, i, coordinator, password_hash) for i in range(30)]
    states = [IntakeState.WAITING] * 5 + [IntakeState.OFFERED, IntakeState.MATCHED,
                                          IntakeState.MATCHED, IntakeState.PAUSED, IntakeState.CLOSED]
    intakes = [_intake(session, rng, i, state, password_hash, urgent=(i == 0))
               for i, state in enumerate(states)]
    match_states = {IntakeState.OFFERED: MatchState.OFFERED, IntakeState.MATCHED: MatchState.ACTIVE,
                    IntakeState.CLOSED: MatchState.CLOSED}
    active = [v for v in volunteers if v.state == OnboardingState.ACTIVE]
    for intake, volunteer in zip(intakes, active, strict=False):
        if intake.state in match_states:
            session.add(Match(intake_id=intake.id, volunteer_id=volunteer.id,
                              state=match_states[intake.state], offered_by_id=coordinator.id,
                              expires_at=utcnow() + timedelta(hours=72)))
    for name, category, phone, always_open in RESOURCES:
        session.add(ReferralResource(name=name, category=category, phone=phone,
                                     always_open=always_open, is_crisis_line=category == "crisis_line"))
    session.flush()
    return [("coordinator", "coordinator@example.org", DEMO_PASSWORD),
            ("admin", "admin@example.org", DEMO_PASSWORD),
            ("volunteer", "volunteer1@example.org", DEMO_PASSWORD),
            ("participant", "participant1@example.org", DEMO_PASSWORD)]
