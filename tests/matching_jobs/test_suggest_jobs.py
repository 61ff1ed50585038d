"""Suggestion jobs against the database, through the outbox and a real worker."""

import sqlalchemy as sa

from portal.db import db
from portal.models import Intake, IntakeState, Match, MatchState, Notification, Suggestion
from portal.services import matching, outbox


def suggestions_of(app, intake):
    with app.app_context():
        return db.session.execute(sa.select(Suggestion).where(Suggestion.intake_id == intake.id)
                                  .order_by(Suggestion.rank)).scalars().all()


def queue_suggestions(app, intake):
    with app.app_context():
        outbox.enqueue(db.session, "suggest_for_intake", intake.id)
        db.session.commit()


def test_a_submitted_intake_gets_ranked_suggestions_through_a_real_worker(
        app, make_intake, make_volunteer, make_user, run_jobs):
    make_user("coordinator")
    close = make_volunteer(experience=["grief_loss", "isolation"], practice_area="family")
    far = make_volunteer(experience=["financial_stress"], practice_area="tax")
    intake = make_intake()
    queue_suggestions(app, intake)
    run_jobs()
    stored = suggestions_of(app, intake)
    assert [s.volunteer_id for s in stored] == [close.id, far.id]
    assert stored[0].score > stored[1].score
    assert any("grief" in reason.lower() for reason in stored[0].reasons)
    assert set(stored[0].breakdown) >= {"experience", "availability"}


def test_the_coordinator_is_told_once_per_waiting_period(app, make_intake, make_volunteer, make_user):
    make_user("coordinator")
    make_volunteer()
    intake = make_intake()
    with app.app_context():
        matching.suggest_for_intake(db.session, intake.id)
        matching.suggest_for_intake(db.session, intake.id)
        db.session.commit()
        kinds = db.session.execute(sa.select(Notification.kind)).scalars().all()
    assert kinds == ["suggestions_ready"]


def test_excluded_volunteers_are_counted_by_rule_and_never_suggested(
        app, make_intake, make_volunteer):
    conflicted = make_volunteer(firm="Northgate Legal LLP")
    named = make_volunteer(name="Jordan Lee")
    bounded = make_volunteer(boundaries=["grief_loss"])
    full = make_volunteer(capacity=0)
    fine = make_volunteer()
    intake = make_intake(firms=["northgate legal"], do_not_match=["jordan  LEE"])
    with app.app_context():
        matching.suggest_for_intake(db.session, intake.id)
        db.session.commit()
        stored = db.session.get(Intake, intake.id)
        counts = stored.exclusion_counts
    assert [s.volunteer_id for s in suggestions_of(app, intake)] == [fine.id]
    assert counts["conflict"] == 2
    assert sum(counts.values()) == 4
    assert {conflicted.id, named.id, bounded.id, full.id}.isdisjoint(
        {s.volunteer_id for s in suggestions_of(app, intake)})


def test_a_pair_closed_by_a_change_request_is_never_suggested_again(app, make_intake, make_volunteer):
    before = make_volunteer()
    other = make_volunteer()
    intake = make_intake()
    with app.app_context():
        db.session.add(Match(intake_id=intake.id, volunteer_id=before.id, state=MatchState.CLOSED,
                             close_reason="change_requested"))
        db.session.commit()
        matching.suggest_for_intake(db.session, intake.id)
        db.session.commit()
    assert [s.volunteer_id for s in suggestions_of(app, intake)] == [other.id]


def test_recomputing_replaces_stale_suggestions(app, make_intake, make_volunteer):
    first = make_volunteer()
    intake = make_intake()
    with app.app_context():
        matching.suggest_for_intake(db.session, intake.id)
        db.session.commit()
    second = make_volunteer(experience=["grief_loss", "isolation"])
    with app.app_context():
        from portal.models import VolunteerProfile

        db.session.get(VolunteerProfile, first.id).paused = True
        db.session.commit()
        assert matching.recompute_waiting(db.session) == 1
        db.session.commit()
    assert [s.volunteer_id for s in suggestions_of(app, intake)] == [second.id]


def test_a_job_for_a_withdrawn_intake_ends_quietly(app, make_intake, make_volunteer, run_jobs):
    make_volunteer()
    intake = make_intake(state=IntakeState.WITHDRAWN)
    queue_suggestions(app, intake)
    run_jobs()
    assert suggestions_of(app, intake) == []


def test_running_the_job_twice_gives_the_same_suggestions(app, make_intake, make_volunteer):
    for _ in range(3):
        make_volunteer()
    intake = make_intake()
    results = []
    for _ in range(2):
        with app.app_context():
            matching.suggest_for_intake(db.session, intake.id)
            db.session.commit()
        results.append([(s.volunteer_id, s.rank, s.score) for s in suggestions_of(app, intake)])
    assert results[0] == results[1]


def test_many_volunteer_changes_queue_one_recomputation(app):
    from datetime import timedelta

    from portal.models import OutboxJob

    with app.app_context():
        for _ in range(25):
            outbox.enqueue(db.session, "recompute_waiting", None, delay=timedelta(seconds=60),
                           dedupe_key="recompute_waiting")
        db.session.commit()
        assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxJob)).scalar() == 1


def test_a_volunteer_who_declined_this_request_is_not_suggested_for_it_again(
        app, make_intake, make_volunteer):
    declined = make_volunteer()
    expired = make_volunteer()
    other = make_volunteer()
    intake = make_intake()
    with app.app_context():
        db.session.add(Match(intake_id=intake.id, volunteer_id=declined.id, state=MatchState.DECLINED))
        db.session.add(Match(intake_id=intake.id, volunteer_id=expired.id, state=MatchState.EXPIRED))
        db.session.commit()
        matching.suggest_for_intake(db.session, intake.id)
        db.session.commit()
    assert [s.volunteer_id for s in suggestions_of(app, intake)] == [other.id]


def test_the_cached_volunteer_pool_follows_changes_to_load_and_conflicts(
        app, make_intake, make_volunteer):
    from portal.models import ConflictEntry, ConflictKind
    from portal.security.crypto import blind_index

    busy = make_volunteer(capacity=1)
    free = make_volunteer()
    intake = make_intake(firms=["Harbour Law"])
    with app.app_context():
        matching.suggest_for_intake(db.session, intake.id)  # fills the cache
        other = make_intake()
        db.session.add(Match(intake_id=other.id, volunteer_id=busy.id, state=MatchState.ACTIVE))
        db.session.add(ConflictEntry(volunteer_id=free.id, kind=ConflictKind.FIRM, value="Harbour Law",
                                     value_index=blind_index("Harbour Law", "name")))
        db.session.commit()
        assert matching.suggest_for_intake(db.session, intake.id) == []


def test_recomputing_goes_by_chunks_and_agrees_with_one_intake_at_a_time(
        app, make_intake, make_volunteer, run_jobs, monkeypatch):
    from portal.models import OutboxJob

    for experience in (["grief_loss"], ["isolation"], ["anxiety", "grief_loss"], ["trauma"]):
        make_volunteer(experience=experience, capacity=3)
    intakes = [make_intake(concerns=concerns, primary_concern=concerns[0])
               for concerns in (["grief_loss"], ["isolation"], ["anxiety"], ["trauma"], ["other"])]
    alone = {}
    for intake in intakes:
        with app.app_context():
            matching.suggest_for_intake(db.session, intake.id)
            db.session.commit()
        alone[intake.id] = [(s.volunteer_id, s.score, s.reasons) for s in suggestions_of(app, intake)]
        with app.app_context():
            db.session.execute(sa.delete(Suggestion))
            db.session.commit()

    monkeypatch.setattr(matching, "RECOMPUTE_CHUNK", 2)
    with app.app_context():
        assert matching.recompute_waiting(db.session) == 2  # one chunk, the rest queued
        db.session.commit()
        queued = db.session.execute(sa.select(OutboxJob.ref).where(
            OutboxJob.kind == "recompute_waiting")).scalars().all()
    assert len(queued) == 1 and queued[0] is not None
    run_jobs()  # the next chunks, one job each
    for intake in intakes:
        together = [(s.volunteer_id, s.score, s.reasons) for s in suggestions_of(app, intake)]
        assert together == alone[intake.id]
    with app.app_context():
        refs = db.session.execute(sa.select(OutboxJob.ref).where(
            OutboxJob.kind == "recompute_waiting").order_by(OutboxJob.id)).scalars().all()
    assert len(refs) == 2  # 5 intakes, 2 a job: this call, then two queued jobs
