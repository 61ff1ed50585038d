"""Fixtures of the matching jobs' tests: a varied program, its stored suggestions, the jobs."""

import random

import pytest
import sqlalchemy as sa

from portal import vocab
from portal.db import db
from portal.models import Intake, Match, MatchState, OutboxJob, OutboxState, Suggestion, utcnow
from portal.services import matching


def _codes(vocabulary):
    return vocab.codes(vocabulary)


def _listed(name):
    """The codes of one of the program's lists (seeded as the migrations leave them)."""
    return [code for code in vocab.list_codes(name) if code]


@pytest.fixture
def program(app, make_volunteer, make_intake):
    """program(seed) → volunteers and waiting intakes of varied answers, all with suggestions."""

    def build(seed: int):
        rnd = random.Random(seed)
        concerns, regions = _codes(vocab.CONCERNS), _listed("regions")
        people = [make_volunteer(
            experience=rnd.sample(concerns, rnd.randint(1, 4)), region=rnd.choice(regions),
            boundaries=rnd.sample(concerns, rnd.randint(0, 1)),
            practice_area=rnd.choice(_listed("practice_areas")),
            career_band=rnd.choice(_codes(vocab.CAREER_BANDS)),
            languages=rnd.sample(_codes(vocab.LANGUAGES), rnd.randint(1, 2)),
            gender=rnd.choice(_codes(vocab.GENDERS)), capacity=rnd.randint(1, 3),
            availability_mask=rnd.getrandbits(28), firm=rnd.choice(["Harbour Law", None, None]),
            name=f"V{n}") for n in range(14)]
        intakes = []
        for _ in range(9):
            mine = rnd.sample(concerns, rnd.randint(1, 3))
            intakes.append(make_intake(
                concerns=mine, primary_concern=mine[0], region=rnd.choice(regions),
                region_pref=rnd.choice(["none", "same"]), availability_mask=rnd.getrandbits(28),
                gender_pref=rnd.choice(["none", "preferred"]),
                preferred_gender=rnd.choice(_codes(vocab.GENDERS)),
                firms=rnd.choice([["Harbour Law"], []])))
        with app.app_context():
            db.session.add(Match(intake_id=intakes[0].id, volunteer_id=people[0].id,
                                 state=MatchState.ACTIVE))
            db.session.commit()
            matching.recompute_waiting(db.session)
            db.session.commit()
        return rnd, people, intakes

    return build


@pytest.fixture
def stored(app):
    """stored() → every intake's exclusion counts and stored suggestions, as the pages read them."""

    def read() -> dict:
        with app.app_context():
            rows = db.session.execute(sa.select(Suggestion).order_by(
                Suggestion.intake_id, Suggestion.rank)).scalars().all()
            found: dict = {i.id: [i.exclusion_counts] for i in db.session.execute(
                sa.select(Intake)).scalars()}
            for s in rows:
                found[s.intake_id].append((s.volunteer_id, s.rank, s.score, s.breakdown, s.reasons))
            return found

    return read


@pytest.fixture
def run_due_jobs(app, run_jobs, mail):
    """run_due_jobs() → every pending job run, debounced ones too (as if their minute had
    passed), and the jobs those queue, until none is left."""

    def run() -> None:
        while True:
            with app.app_context():
                db.session.execute(sa.update(OutboxJob).where(
                    OutboxJob.state == OutboxState.PENDING).values(run_after=utcnow()))
                db.session.commit()
            if not run_jobs():
                return

    return run


@pytest.fixture
def full_recompute(app, run_due_jobs, stored):
    """full_recompute() → the stored suggestions after every waiting request is scored again."""

    def run() -> dict:
        with app.app_context():
            matching.recompute_waiting(db.session)
            db.session.commit()
        run_due_jobs()  # its next chunks
        return stored()

    return run
