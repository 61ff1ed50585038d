"""After one volunteer's change, only what it can alter is replaced, exactly as a full recompute."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import vocab
from portal.db import db
from portal.models import (
    ConflictEntry,
    ConflictKind,
    Intake,
    Match,
    MatchState,
    OnboardingState,
    OutboxJob,
    Suggestion,
    User,
    VolunteerProfile,
    utcnow,
)
from portal.security.crypto import blind_index
from portal.services import matching, recompute

CHANGES = ("availability", "no_times", "experience", "capacity", "pause", "retire", "conflict",
           "region", "languages", "gender")


def _codes(vocabulary):
    return vocab.codes(vocabulary)


def _listed(name):
    """The codes of one of the program's lists (seeded as the migrations leave them)."""
    return [code for code in vocab.list_codes(name) if code]


def change_one(app, rnd, profile, kind: str) -> None:
    with app.app_context():
        p = db.session.get(VolunteerProfile, profile.id)
        concerns = _codes(vocab.CONCERNS)
        if kind == "availability":
            p.availability_mask = rnd.getrandbits(28)
        elif kind == "no_times":  # a few points less: the sixth best may step up
            p.availability_mask = 0
        elif kind == "experience":
            p.experience = rnd.sample(concerns, rnd.randint(1, 5))
        elif kind == "capacity":
            p.capacity = rnd.choice([1, 3])
        elif kind == "pause":
            p.paused = True
        elif kind == "retire":
            p.state = OnboardingState.RETIRED
        elif kind == "conflict":
            p.conflicts.append(ConflictEntry(volunteer_id=p.id, kind=ConflictKind.FIRM,
                                             value="Harbour Law",
                                             value_index=blind_index("Harbour Law", "name")))
        elif kind == "region":
            p.region = rnd.choice(_listed("regions"))
        elif kind == "languages":
            p.languages = rnd.sample(_codes(vocab.LANGUAGES), rnd.randint(1, 3))
        elif kind == "gender":
            p.gender = rnd.choice(_codes(vocab.GENDERS))
        db.session.commit()


@pytest.mark.parametrize("kind", CHANGES)
@pytest.mark.parametrize("seed", range(3))
def test_one_volunteers_change_leaves_what_a_full_recompute_would(app, program, seed, kind,
                                                                   run_jobs, stored,
                                                                   monkeypatch):
    rnd, people, _intakes = program(seed)
    if seed == 2:
        monkeypatch.setattr(matching, "RECOMPUTE_CHUNK", 4)  # 9 requests: three jobs
    with app.app_context():  # someone suggested somewhere: the interesting case
        suggested = set(db.session.execute(sa.select(Suggestion.volunteer_id)).scalars())
    changed = rnd.choice([p for p in people if p.id in suggested])
    change_one(app, rnd, changed, kind)
    with app.app_context():
        recompute.recompute_for_volunteer(db.session, changed.id)
        db.session.commit()
    run_jobs()  # the next chunks, if any
    targeted = stored()
    with app.app_context():
        matching.recompute_waiting(db.session)
        db.session.commit()
    run_jobs()  # its next chunks
    assert targeted == stored()


def test_requests_the_change_cannot_alter_keep_their_suggestions(app, make_volunteer,
                                                                  make_intake):
    """A volunteer far below every request's top five changes: nothing is rewritten."""
    strong = [make_volunteer(experience=["grief_loss"], name=f"S{n}") for n in range(5)]
    weak = make_volunteer(experience=["alcohol"], region="edmonton", name="W")
    intakes = [make_intake() for _ in range(3)]
    with app.app_context():
        matching.recompute_waiting(db.session)
        db.session.commit()
        before = {row.id for row in db.session.execute(sa.select(Suggestion)).scalars()}
        db.session.get(VolunteerProfile, weak.id).availability_mask = 0b1
        db.session.commit()
        assert recompute.recompute_for_volunteer(db.session, weak.id) == 0
        db.session.commit()
        after = {row.id for row in db.session.execute(sa.select(Suggestion)).scalars()}
    assert before == after and len(before) == 5 * len(intakes) and len(strong) == 5


def test_a_recompute_goes_in_chunks_behind_new_work(app, make_volunteer, make_intake,
                                                    run_jobs, monkeypatch):
    """The best volunteer of every request pauses: each is scored again, two requests a job."""
    star = make_volunteer(name="Star")  # free all week, the others an evening or two
    others = [make_volunteer(name=f"O{n}", availability_mask=0b11 << n) for n in range(6)]
    intakes = [make_intake() for _ in range(5)]
    with app.app_context():
        matching.recompute_waiting(db.session)
        db.session.commit()
        db.session.get(VolunteerProfile, star.id).paused = True
        db.session.commit()
    monkeypatch.setattr(matching, "RECOMPUTE_CHUNK", 2)
    with app.app_context():
        assert recompute.recompute_for_volunteer(db.session, star.id) == 2
        db.session.commit()
        [queued] = db.session.execute(sa.select(OutboxJob).where(
            OutboxJob.kind == "recompute_for_volunteer")).scalars().all()
    first_two = sorted(intakes, key=lambda i: str(i.id))[:2]
    assert recompute.parse_ref(queued.ref) == (star.id, first_two[-1].id)
    run_jobs()  # the rest, through a real RQ worker, a chunk a job
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxJob).where(
            OutboxJob.kind == "recompute_for_volunteer")).scalar() == 2  # 2 + 2 + 1
        suggested = set(db.session.execute(sa.select(Suggestion.volunteer_id)).scalars())
    assert star.id not in suggested and suggested <= {o.id for o in others}


def test_a_volunteers_change_queues_their_own_recomputation_once(app, make_volunteer, make_user):
    from portal.services import volunteers

    profile = make_volunteer()
    actor = make_user("coordinator")
    with app.app_context():
        for mask in (0b1, 0b11, 0b111):
            volunteers.set_availability(db.session, db.session.get(VolunteerProfile, profile.id),
                                        mask, actor=actor)
        db.session.commit()
        [job] = db.session.execute(sa.select(OutboxJob).where(
            OutboxJob.kind == "recompute_for_volunteer")).scalars().all()
    assert job.ref == str(profile.id) and job.run_after > job.created_at + timedelta(seconds=50)


# A change to a volunteer's load (offers and relationships under way): the engine reads it as
# a hard rule (capacity) and as a score (the free share of capacity), so any change moves them.
LOAD_CHANGES = ("offer", "capacity_reached", "decline", "expire", "withdraw", "end",
                "capacity_freed")


def _offer(rnd, profile, coordinator):
    """Offer the volunteer one of the waiting requests they are suggested for."""
    from portal.services import offers

    waiting = {i.id for i in db.session.execute(matching.waiting_intakes()).scalars()}
    mine = sorted(s.intake_id for s in db.session.execute(sa.select(Suggestion).where(
        Suggestion.volunteer_id == profile.id)).scalars() if s.intake_id in waiting)
    return offers.make_offer(db.session, db.session.get(Intake, rnd.choice(mine)), profile,
                             actor=coordinator)


def prepare_load(app, rnd, profile, kind: str, coordinator) -> None:
    """What the change needs first (an offer out, a relationship, a capacity nearly reached),
    then every request scored again: the change starts from suggestions that are right."""
    from portal.services import offers, volunteers

    with app.app_context():
        p = db.session.get(VolunteerProfile, profile.id)
        if kind in ("capacity_reached", "capacity_freed"):  # one place left: the offer fills it
            p.capacity = sum(volunteers.load_counts(db.session, p).values()) + 1
        if kind in ("decline", "expire", "withdraw", "end", "capacity_freed"):
            match = _offer(rnd, p, coordinator)
            if kind == "end":
                offers.accept(db.session, match, actor=db.session.get(User, p.user_id))
        db.session.commit()
        matching.recompute_waiting(db.session)
        db.session.commit()


def change_load(app, rnd, profile, kind: str, coordinator) -> None:
    """The load change itself, through the service the portal uses for it."""
    from portal.services import offers, relationships

    with app.app_context():
        p = db.session.get(VolunteerProfile, profile.id)
        match = db.session.execute(sa.select(Match).where(
            Match.volunteer_id == p.id, Match.state.in_((MatchState.OFFERED, MatchState.ACTIVE)))
            .order_by(Match.offered_at.desc())).scalars().first()
        if kind in ("offer", "capacity_reached"):
            _offer(rnd, p, coordinator)
        elif kind in ("decline", "capacity_freed"):
            offers.decline(db.session, match, actor=db.session.get(User, p.user_id))
        elif kind == "expire":
            match.expires_at = utcnow() - timedelta(minutes=1)
            assert offers.expire_due_offers(db.session, utcnow()) == 1
        elif kind == "withdraw":
            offers.withdraw(db.session, match, actor=coordinator)
        elif kind == "end":
            relationships.close_relationship(db.session, match, actor=coordinator,
                                             reason="completed")
        db.session.commit()


@pytest.mark.parametrize("kind", LOAD_CHANGES)
@pytest.mark.parametrize("seed", range(3))
def test_a_load_change_leaves_what_a_full_recompute_would(app, program, seed, kind, make_user,
                                                          stored, run_due_jobs, full_recompute,
                                                          monkeypatch):
    """The change queues the volunteer's targeted recompute; once the jobs ran, every request's
    suggestions and counts are what scoring them all again gives."""
    rnd, people, _intakes = program(seed)
    coordinator = make_user("coordinator")
    if seed == 2:
        monkeypatch.setattr(matching, "RECOMPUTE_CHUNK", 4)  # 9 requests: three jobs
    with app.app_context():
        suggested = set(db.session.execute(sa.select(Suggestion.volunteer_id)).scalars())
    changed = rnd.choice([p for p in people if p.id in suggested and p.id != people[0].id])
    prepare_load(app, rnd, changed, kind, coordinator)
    change_load(app, rnd, changed, kind, coordinator)
    run_due_jobs()  # what the change queued: its own request's suggestions, the recompute
    targeted = stored()
    assert targeted == full_recompute()


def test_two_volunteers_changing_in_one_minute_leave_every_request_five_suggestions(
        app, make_volunteer, make_intake, make_user, stored, run_due_jobs, full_recompute):
    """X's recompute runs first while Y, in the same top five, has just become full: ranking
    that request among its five would drop Y with no sixth to step up, and Y's own job would
    find nothing of theirs left to replace."""
    from portal.services import offers, volunteers

    x = make_volunteer(name="Xan")
    y = make_volunteer(name="Yoko", capacity=1)
    for n in range(6):
        make_volunteer(name=f"O{n}", experience=["anxiety"], availability_mask=(1 << (12 - n)) - 1)
    a, b = make_intake(alias="A"), make_intake(alias="B")
    coordinator = make_user("coordinator")
    with app.app_context():
        matching.recompute_waiting(db.session)
        db.session.commit()
        # An edit of X's that moves no score (a note for the coordinator) still queues their job.
        volunteers.queue_recompute(db.session, db.session.get(VolunteerProfile, x.id))
        db.session.commit()
        offers.make_offer(db.session, db.session.get(Intake, a.id),
                          db.session.get(VolunteerProfile, y.id), actor=coordinator)
        db.session.commit()
    run_due_jobs()  # X's job, then Y's
    with app.app_context():
        left = db.session.execute(sa.select(Suggestion.volunteer_id).where(
            Suggestion.intake_id == b.id)).scalars().all()
    assert len(left) == 5 and y.id not in left
    assert stored() == full_recompute()
