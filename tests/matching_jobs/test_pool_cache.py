"""The encoded volunteer pool: kept between jobs, rebuilt exactly when what it encodes changed."""

import time

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import (
    ConflictEntry,
    ConflictKind,
    Match,
    MatchState,
    OutboxJob,
    OutboxState,
    VolunteerProfile,
    utcnow,
)
from portal.services import engine_records, outbox, volunteer_pool, volunteers


@pytest.fixture
def pool_of(app):
    """pool_of() → the pool the next job would use (a fresh session, as a job has)."""
    volunteer_pool._pool_cache.update(key=None, pool=None)

    def pool():
        with app.app_context():
            return volunteer_pool.volunteer_pool(db.session)

    yield pool
    volunteer_pool._pool_cache.update(key=None, pool=None)


def change(app, action):
    with app.app_context():
        action(db.session)
        db.session.commit()


def test_the_pool_is_kept_while_nothing_it_encodes_changes(app, pool_of, make_volunteer,
                                                          make_intake):
    make_volunteer()
    first = pool_of()
    make_intake()  # a new request changes nobody's pool
    assert pool_of() is first


def test_a_volunteer_change_rebuilds_the_pool(app, pool_of, make_volunteer, make_user):
    profile = make_volunteer()
    first = pool_of()
    actor = make_user("coordinator")
    change(app, lambda s: volunteers.set_availability(s, s.get(VolunteerProfile, profile.id),
                                                      0b1011, actor=actor))
    second = pool_of()
    assert second is not first
    assert int(second.availability[0]) == 0b1011
    make_volunteer()
    assert len(pool_of()) == 2


def test_a_conflict_added_or_removed_rebuilds_the_pool(app, pool_of, make_volunteer):
    profile = make_volunteer(firm=None)
    first = pool_of()
    change(app, lambda s: s.add(ConflictEntry(volunteer_id=profile.id, kind=ConflictKind.FIRM,
                                              value_index="firm-x")))
    second = pool_of()
    assert second is not first
    assert "firm-x" in second.hashes[0]
    change(app, lambda s: s.execute(sa.delete(ConflictEntry).where(
        ConflictEntry.value_index == "firm-x")))
    third = pool_of()
    assert third is not second
    assert "firm-x" not in third.hashes[0]


def test_a_load_change_rebuilds_the_pool(app, pool_of, make_volunteer, make_intake):
    profile = make_volunteer(capacity=1)
    intake = make_intake()
    first = pool_of()
    assert int(first.free[0]) == 1
    change(app, lambda s: s.add(Match(intake_id=intake.id, volunteer_id=profile.id,
                                      state=MatchState.OFFERED)))
    offered = pool_of()
    assert int(offered.free[0]) == 0
    time.sleep(0.01)  # a later stamp, as any real decline is

    def decline(s):
        match = s.execute(sa.select(Match)).scalar_one()
        match.state, match.state_changed_at = MatchState.DECLINED, utcnow()

    change(app, decline)
    assert int(pool_of().free[0]) == 1


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_the_forking_worker_builds_the_pool_once_for_many_jobs(app, make_volunteer, make_intake,
                                                               make_user, start_worker):
    """Each job runs in a new horse; the pool built in the worker's parent outlives them all."""
    for _ in range(3):
        make_volunteer()
    intakes = [make_intake() for _ in range(3)]

    def suggest(intake):
        with app.app_context():
            row = outbox.enqueue(db.session, "suggest_for_intake", intake.id)
            db.session.commit()
            return row.id

    def wait_done(row_id, worker):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with app.app_context():
                if db.session.get(OutboxJob, row_id).state == OutboxState.DONE:
                    return
            time.sleep(0.05)
        raise AssertionError(worker.output()[-3000:])

    worker = start_worker("--queues", "matching")
    for intake in intakes[:2]:
        wait_done(suggest(intake), worker)
    assert worker.output().count("volunteer pool rebuilt") == 1

    actor = make_user("coordinator")
    profile = make_volunteer()
    change(app, lambda s: volunteers.set_availability(s, s.get(VolunteerProfile, profile.id),
                                                      0b111, actor=actor))
    wait_done(suggest(intakes[2]), worker)
    assert worker.output().count("volunteer pool rebuilt") == 2


def test_the_pool_loaded_as_columns_equals_the_pool_of_records(app, make_volunteer):
    from portal.matching import encode_volunteers
    from tests.matching.test_column_encoding import assert_same_pool

    make_volunteer(experience=["grief_loss", "isolation"], boundaries=["alcohol"],
                   languages=["fr", "en"], firm="Northgate")
    make_volunteer(capacity=1, paused=True, gender="woman")
    away = make_volunteer(languages=[], region=None)
    with app.app_context():
        profile = db.session.get(VolunteerProfile, away.id)
        profile.away_from = volunteers.program_today(db.session)
        db.session.commit()
        assert_same_pool(volunteer_pool.encoded_volunteers(db.session),
                         encode_volunteers(engine_records.volunteer_records(db.session)))


def test_the_raw_pool_reads_dates_names_states_and_loads_as_the_records_do(
        app, make_volunteer, make_intake):
    """The pool is read from the driver's own values: every kind of column, both databases."""
    from datetime import timedelta

    from portal.matching import encode_volunteers
    from portal.models import OnboardingState
    from tests.matching.test_column_encoding import assert_same_pool

    back = make_volunteer()
    still_away = make_volunteer()
    no_name = make_volunteer(name="")
    trained = make_volunteer(state=OnboardingState.TRAINED)
    make_volunteer(state=OnboardingState.RETIRED)
    busy = make_volunteer(capacity=1)
    with app.app_context():
        today = volunteers.program_today(db.session)
        db.session.get(VolunteerProfile, back.id).away_from = today - timedelta(days=9)
        db.session.get(VolunteerProfile, back.id).away_until = today - timedelta(days=1)
        db.session.get(VolunteerProfile, still_away.id).away_from = today - timedelta(days=2)
        db.session.get(VolunteerProfile, still_away.id).away_until = today
        db.session.add(Match(intake_id=make_intake().id, volunteer_id=busy.id,
                             state=MatchState.ACTIVE))
        db.session.commit()
        pool = volunteer_pool.encoded_volunteers(db.session)
        assert_same_pool(pool, encode_volunteers(engine_records.volunteer_records(db.session)))
    assert len(pool) == 5  # the retired volunteer is not in it
    bits = dict(zip(pool.ids, pool.base_bits.tolist(), strict=True))
    assert bits[str(back.id)] == 0
    assert all(bits[str(p.id)] for p in (still_away, no_name, trained, busy))


def test_each_change_the_pool_reads_moves_its_version(app, make_volunteer, make_intake, make_user):
    """Profile answers, availability, away and pause, conflicts and load: one bump each."""
    from datetime import timedelta

    from portal.services import pool_version

    profile = make_volunteer(firm="Northgate")
    intake = make_intake()
    actor = make_user("coordinator")

    def bumps(action) -> int:
        with app.app_context():
            before = pool_version.current(db.session)
            action(db.session, db.session.get(VolunteerProfile, profile.id))
            db.session.commit()
            return pool_version.current(db.session) - before

    def offer(s, p):
        s.add(Match(intake_id=intake.id, volunteer_id=p.id, state=MatchState.OFFERED))

    def end_offer(s, p):
        match = s.execute(sa.select(Match)).scalar_one()
        match.state = MatchState.WITHDRAWN

    today = volunteers.program_today
    changes = {
        "answer": lambda s, p: setattr(p, "region", "edmonton"),
        "availability": lambda s, p: volunteers.set_availability(s, p, 0b101, actor=actor),
        "away": lambda s, p: setattr(p, "away_from", today(s) + timedelta(days=3)),
        "pause": lambda s, p: volunteers.set_paused(s, p, True, actor=actor),
        "conflict added": lambda s, p: p.conflicts.append(ConflictEntry(
            volunteer_id=p.id, kind=ConflictKind.FIRM, value_index="firm-y")),
        "conflict reindexed": lambda s, p: setattr(p.conflicts[0], "value_index", "rekeyed"),
        "conflict removed": lambda s, p: p.conflicts.pop(),
        "offered": offer,
        "offer ended": end_offer,
        "bulk update": lambda s, p: s.execute(sa.update(VolunteerProfile).where(
            VolunteerProfile.id == p.id).values(capacity=3)),
    }
    assert {name: bumps(action) for name, action in changes.items()} == dict.fromkeys(changes, 1)


def test_a_conflict_rewritten_in_place_rebuilds_the_pool(app, pool_of, make_volunteer):
    """As `crypto reindex` rewrites each blind index: the same count, the same stamps."""
    profile = make_volunteer(firm=None, name="")
    change(app, lambda s: s.add(ConflictEntry(volunteer_id=profile.id, kind=ConflictKind.FIRM,
                                              value_index="old-key")))
    assert pool_of().hashes[0] == {"old-key"}
    change(app, lambda s: setattr(s.execute(sa.select(ConflictEntry)).scalar_one(),
                                  "value_index", "new-key"))
    assert pool_of().hashes[0] == {"new-key"}


def test_what_the_pool_does_not_read_leaves_it_as_it_is(app, pool_of, make_volunteer,
                                                        make_intake, make_user):
    """A note, the same grid again, a reminder's stamp, a request's own firm, an offer taken
    up (still one place used): no rebuild."""
    from portal.services import follow_through

    profile = make_volunteer()
    intake = make_intake()
    actor = make_user("coordinator")
    change(app, lambda s: s.add(Match(intake_id=intake.id, volunteer_id=profile.id,
                                      state=MatchState.OFFERED)))
    first = pool_of()

    def accept(s):
        s.execute(sa.select(Match)).scalar_one().state = MatchState.ACTIVE

    for action in (
        lambda s: setattr(s.get(VolunteerProfile, profile.id), "note_for_coordinator", "Hi"),
        lambda s: volunteers.set_availability(s, s.get(VolunteerProfile, profile.id),
                                              s.get(VolunteerProfile, profile.id).availability_mask,
                                              actor=actor),
        accept,
        lambda s: follow_through._claim(s, s.execute(sa.select(Match.id)).scalar_one(),
                                        "contact_reminded_at", utcnow()),
        lambda s: s.add(ConflictEntry(intake_id=intake.id, kind=ConflictKind.FIRM,
                                      value_index="their-firm")),
    ):
        change(app, action)
        assert pool_of() is first
