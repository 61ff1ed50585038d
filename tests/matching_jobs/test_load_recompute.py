"""Every path that changes a volunteer's load queues their targeted recompute: once the jobs
ran, the other waiting requests' suggestions are what scoring them all again gives.

The volunteer ``X`` has room for one: offered request A, they are full for request B; freed
from A (a decline, an expiry, an ending), they are B's best again.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import (
    Intake,
    Match,
    MatchState,
    PlanProposal,
    PlanRun,
    PlanStatus,
    Suggestion,
    User,
    VolunteerProfile,
    utcnow,
)
from portal.services import intake_lifecycle, matching, offers, planning, relationships, triage


@pytest.fixture
def world(app, make_volunteer, make_intake, make_user):
    """X (room for one, everyone's best: the same experience), six others, requests A and B."""
    x = make_volunteer(name="Xan", capacity=1)
    others = [make_volunteer(name=f"O{n}", experience=["anxiety"],
                             availability_mask=(1 << (12 - n)) - 1) for n in range(6)]
    a, b = make_intake(alias="A"), make_intake(alias="B")
    coordinator = make_user("coordinator")
    with app.app_context():
        matching.recompute_waiting(db.session)
        db.session.commit()
    return dict(x=x, others=others, a=a, b=b, coordinator=coordinator)


def suggested(app, request) -> list:
    with app.app_context():
        return list(db.session.execute(sa.select(Suggestion.volunteer_id).where(
            Suggestion.intake_id == request.id).order_by(Suggestion.rank)).scalars())


def act(app, world, path):
    """Run ``path(session, world)`` as one transaction, with the rows reloaded in it."""
    with app.app_context():
        s = db.session
        loaded = dict(world, x=s.get(VolunteerProfile, world["x"].id),
                      a=s.get(Intake, world["a"].id), b=s.get(Intake, world["b"].id),
                      coordinator=s.get(User, world["coordinator"].id))
        loaded["x_user"] = s.get(User, loaded["x"].user_id)
        loaded["participant"] = s.get(User, loaded["a"].participant_id)
        loaded["match"] = s.execute(sa.select(Match).where(
            Match.intake_id == world["a"].id)).scalars().first()
        path(s, loaded)
        s.commit()


def _plan_approval(s, w):
    run = PlanRun(status=PlanStatus.DONE, requested_by_id=w["coordinator"].id)
    s.add(run)
    s.flush()
    proposal = PlanProposal(plan_run_id=run.id, intake_id=w["a"].id, volunteer_id=w["x"].id,
                            score=90.0)
    s.add(proposal)
    s.flush()
    assert planning.approve(s, proposal, actor=w["coordinator"]) is None


FILLING = {
    "offer_from_suggestions": lambda s, w: triage.offer_suggestion(
        s, w["a"], w["x"].id, actor=w["coordinator"]),
    "manual_match": lambda s, w: triage.manual_match(
        s, w["a"], w["x"].id, reason="participant_asked", actor=w["coordinator"]),
    "plan_approval": _plan_approval,
}


def _expire(s, w):
    w["match"].expires_at = utcnow() - timedelta(minutes=1)
    assert offers.expire_due_offers(s, utcnow()) == 1


FREEING_AN_OFFER = {
    "volunteer_declines": lambda s, w: offers.decline(s, w["match"], actor=w["x_user"]),
    "coordinator_withdraws": lambda s, w: offers.withdraw(s, w["match"], actor=w["coordinator"]),
    "offer_expires": _expire,
    "participant_pauses_request": lambda s, w: intake_lifecycle.pause_intake(
        s, w["a"], actor=w["participant"]),
    "participant_withdraws_request": lambda s, w: intake_lifecycle.withdraw_intake(
        s, w["a"], actor=w["participant"]),
    "coordinator_closes_request": lambda s, w: triage.close_intake(
        s, w["a"], reason="withdrawn", actor=w["coordinator"]),
}

FREEING_A_RELATIONSHIP = {
    "volunteer_closes": lambda s, w: relationships.close_relationship(
        s, w["match"], actor=w["x_user"], reason="completed"),
    "change_requested": lambda s, w: relationships.request_change(
        s, w["match"], actor=w["participant"]),
    "participant_withdraws_request": lambda s, w: intake_lifecycle.withdraw_intake(
        s, w["a"], actor=w["participant"]),
    "coordinator_closes_request": lambda s, w: triage.close_intake(
        s, w["a"], reason="completed", actor=w["coordinator"]),
}


def start_from_full(app, world, run_due_jobs, *, accepted: bool) -> None:
    """X is offered A (and accepts, if ``accepted``); every request is then scored again."""
    act(app, world, FILLING["offer_from_suggestions"])
    if accepted:
        act(app, world, lambda s, w: offers.accept(s, w["match"], actor=w["x_user"]))
    run_due_jobs()
    with app.app_context():
        matching.recompute_waiting(db.session)
        db.session.commit()
    assert world["x"].id not in suggested(app, world["b"])


@pytest.mark.parametrize("path", FILLING)
def test_an_offer_that_fills_a_volunteer_takes_them_out_of_other_suggestions(
        app, world, path, run_due_jobs, stored, full_recompute):
    assert world["x"].id in suggested(app, world["b"])
    act(app, world, FILLING[path])
    run_due_jobs()
    assert world["x"].id not in suggested(app, world["b"])
    assert len(suggested(app, world["b"])) == 5  # the sixth best stepped up
    assert stored() == full_recompute()


@pytest.mark.parametrize("path", FREEING_AN_OFFER)
def test_an_offer_that_ends_brings_the_volunteer_back_to_other_suggestions(
        app, world, path, run_due_jobs, stored, full_recompute):
    start_from_full(app, world, run_due_jobs, accepted=False)
    act(app, world, FREEING_AN_OFFER[path])
    run_due_jobs()
    assert suggested(app, world["b"])[0] == world["x"].id
    assert stored() == full_recompute()


@pytest.mark.parametrize("path", FREEING_A_RELATIONSHIP)
def test_a_relationship_that_ends_brings_the_volunteer_back_to_other_suggestions(
        app, world, path, run_due_jobs, stored, full_recompute):
    start_from_full(app, world, run_due_jobs, accepted=True)
    act(app, world, FREEING_A_RELATIONSHIP[path])
    run_due_jobs()
    assert suggested(app, world["b"])[0] == world["x"].id
    assert stored() == full_recompute()


def test_an_accepted_offer_leaves_the_load_and_other_suggestions_as_they_are(
        app, world, run_due_jobs, stored, full_recompute):
    """Offered and active count alike: a yes moves no load, so nothing needs scoring again."""
    act(app, world, FILLING["offer_from_suggestions"])
    run_due_jobs()
    before = stored()
    act(app, world, lambda s, w: offers.accept(s, w["match"], actor=w["x_user"]))
    assert stored() == before == full_recompute()


def test_the_recompute_is_queued_once_with_the_change_and_debounced(app, world):
    """An offer and its withdrawal in the same minute: one pending job, a minute later."""
    from portal.models import OutboxJob, OutboxState

    act(app, world, FILLING["offer_from_suggestions"])
    act(app, world, FREEING_AN_OFFER["coordinator_withdraws"])
    with app.app_context():
        [job] = db.session.execute(sa.select(OutboxJob).where(
            OutboxJob.kind == "recompute_for_volunteer",
            OutboxJob.state == OutboxState.PENDING)).scalars().all()
    assert job.ref == str(world["x"].id)
    assert job.run_after > job.created_at + timedelta(seconds=50)


def test_a_refused_offer_queues_nothing(app, world):
    """The gate refuses before anything is written: no load moved, no job."""
    from portal.models import OutboxJob
    from portal.services.errors import Conflict

    act(app, world, FILLING["offer_from_suggestions"])
    with app.app_context():
        db.session.execute(sa.delete(OutboxJob))
        db.session.commit()
    with pytest.raises(Conflict, match="no capacity left"):
        act(app, world, lambda s, w: triage.offer_suggestion(
            s, w["b"], w["x"].id, actor=w["coordinator"]))
    with app.app_context():
        assert not db.session.execute(sa.select(OutboxJob)).scalars().all()


def test_a_bulk_statement_on_matches_recomputes_every_waiting_request(
        app, world, run_due_jobs, stored, full_recompute):
    """A bulk UPDATE names no volunteer: one debounced recompute of every request instead."""
    from portal.models import OutboxJob, OutboxState

    start_from_full(app, world, run_due_jobs, accepted=True)
    with app.app_context():
        db.session.execute(sa.update(Match).where(Match.intake_id == world["a"].id)
                           .values(state=MatchState.CLOSED, close_reason="completed"))
        db.session.commit()
        [job] = db.session.execute(sa.select(OutboxJob).where(
            OutboxJob.kind == "recompute_waiting", OutboxJob.state == OutboxState.PENDING))\
            .scalars().all()
    assert job.run_after > job.created_at + timedelta(seconds=50)
    run_due_jobs()
    assert suggested(app, world["b"])[0] == world["x"].id
    assert stored() == full_recompute()
