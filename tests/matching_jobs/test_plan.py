"""The global plan: a background run with progress, proposals, approval pair by pair or all."""

import sqlalchemy as sa

from portal.db import db
from portal.models import IntakeState, Match, MatchState, PlanProposal, PlanRun
from portal.services import planning
from tests.conftest import csrf_token


def start(client):
    return client.post("/coordinator/plan/", data={"csrf_token": csrf_token(client)})


def latest(app):
    with app.app_context():
        run = planning.latest_run(db.session)
        return run, sorted(run.proposals, key=lambda p: -p.score) if run else []


def test_a_plan_runs_in_the_background_and_proposes_pairs(app, client, login_as, make_intake,
                                                          make_volunteer, run_jobs):
    login_as("coordinator")
    volunteer = make_volunteer(capacity=1)
    urgent = make_intake(urgent=True)
    make_intake()
    assert start(client).status_code == 303
    run, _ = latest(app)
    assert run.status == "queued"
    run_jobs()
    run, proposals = latest(app)
    assert run.status == "done" and run.progress == 1.0
    # One place, two requests: the urgent one is covered first.
    assert [(p.intake_id, p.volunteer_id) for p in proposals] == [(urgent.id, volunteer.id)]
    assert proposals[0].reasons


def test_nothing_is_offered_until_the_coordinator_approves(app, client, login_as, make_intake,
                                                           make_volunteer, run_jobs):
    login_as("coordinator")
    make_volunteer()
    make_intake()
    start(client)
    run_jobs()
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Match)).scalar() == 0


def test_approving_one_pair_makes_one_offer(app, client, login_as, make_intake, make_volunteer,
                                           run_jobs):
    login_as("coordinator")
    make_volunteer()
    intake = make_intake()
    start(client)
    run_jobs()
    run, [proposal] = latest(app)
    response = client.post(f"/coordinator/plan/{run.id}/proposals/{proposal.id}/approve",
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    with app.app_context():
        match = db.session.execute(sa.select(Match)).scalar_one()
        assert match.state == MatchState.OFFERED and match.source == "plan"
        assert match.intake_id == intake.id
        assert db.session.get(PlanProposal, proposal.id).status == "approved"


def test_approve_all_offers_every_pair_and_skips_stale_ones_with_a_reason(
        app, client, login_as, make_intake, make_volunteer, run_jobs):
    from portal.models import Intake

    login_as("coordinator")
    make_volunteer(capacity=2)
    first, second = make_intake(), make_intake()
    start(client)
    run_jobs()
    with app.app_context():  # the second request is withdrawn after the plan ran
        db.session.get(Intake, second.id).state = IntakeState.WITHDRAWN
        db.session.commit()
    run, _ = latest(app)
    response = client.post(f"/coordinator/plan/{run.id}/approve-all",
                           data={"csrf_token": csrf_token(client)}, follow_redirects=True)
    assert "1 offer sent." in response.get_data(as_text=True)
    assert "not waiting" in response.get_data(as_text=True)
    with app.app_context():
        assert [m.intake_id for m in db.session.execute(sa.select(Match)).scalars()] == [first.id]


def test_the_progress_fragment_polls_until_done(app, client, login_as, hx, run_jobs):
    login_as("coordinator")
    start(client)
    run, _ = latest(app)
    polling = client.get(f"/coordinator/plan/{run.id}/progress", headers=hx).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in polling and "<progress" in polling and "<html" not in polling
    run_jobs()
    done = client.get(f"/coordinator/plan/{run.id}/progress", headers=hx).get_data(as_text=True)
    assert "every 1s" not in done and "No pairs to propose" in done


def test_the_progress_page_works_without_javascript(app, client, login_as):
    login_as("coordinator")
    start(client)
    run, _ = latest(app)
    page = client.get(f"/coordinator/plan/{run.id}/progress").get_data(as_text=True)
    assert "<html" in page and "reload it" in page


def test_a_failed_plan_is_shown_with_a_retry(app, client, login_as, monkeypatch, run_jobs):
    import portal.matching.plan as plan_module  # the worker's planning loads it when it runs

    login_as("coordinator")
    start(client)

    def broken(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(plan_module, "plan_assignment", broken)
    run_jobs()
    page = client.get("/coordinator/plan/").get_data(as_text=True)
    assert "could not finish" in page and "Try again" in page


def test_running_the_plan_job_twice_keeps_one_set_of_proposals(app, make_intake, make_volunteer,
                                                               make_user):
    coordinator = make_user("coordinator")
    make_volunteer()
    make_intake()
    with app.app_context():
        run = planning.start_plan(db.session, actor=coordinator)
        db.session.commit()
        planning.run_plan(db.session, run.id)
        db.session.commit()
        db.session.get(PlanRun, run.id).status = "running"  # as if the first run crashed at the end
        db.session.commit()
        planning.run_plan(db.session, run.id)
        db.session.commit()
        assert db.session.execute(sa.select(sa.func.count()).select_from(PlanProposal)).scalar() == 1


def test_volunteers_cannot_run_plans(client, login_as):
    login_as("volunteer")
    assert start(client).status_code == 403


def test_approving_a_plan_made_before_a_decline_does_not_ask_the_same_volunteer_again(
        app, client, login_as, make_intake, make_volunteer, run_jobs):
    login_as("coordinator")
    volunteer = make_volunteer()
    intake = make_intake()
    start(client)
    run_jobs()
    run, [proposal] = latest(app)
    with app.app_context():  # meanwhile an earlier offer of this pair was declined
        db.session.add(Match(intake_id=intake.id, volunteer_id=volunteer.id, state=MatchState.DECLINED))
        db.session.commit()
    client.post(f"/coordinator/plan/{run.id}/proposals/{proposal.id}/approve",
                data={"csrf_token": csrf_token(client)})
    with app.app_context():
        assert db.session.get(PlanProposal, proposal.id).status == "skipped"
        assert db.session.execute(sa.select(sa.func.count()).select_from(Match)
                                  .where(Match.state == MatchState.OFFERED)).scalar() == 0


def test_the_plan_loads_its_records_in_the_same_number_of_queries_for_any_queue(
        app, make_intake, make_volunteer, make_user):
    from portal.services import program_lists, settings, volunteer_pool
    from tests.queries import count_statements

    for _ in range(3):
        make_volunteer(capacity=3)
    counts = []
    for more in (2, 8):
        for _ in range(more):
            make_intake()
        with app.app_context():
            run = planning.start_plan(db.session, actor=make_user("coordinator"))
            db.session.commit()
            volunteer_pool._pool_cache.update(key=None, pool=None)
            settings.forget_cached()  # as every job starts
            program_lists.forget_cached()
            with count_statements(db.engine) as seen:
                planning.run_plan(db.session, run.id)
                db.session.commit()
            # Reads only: proposals are inserted per pair, progress written as time passes.
            counts.append(len([s for s in seen if s.lstrip().upper().startswith("SELECT")]))
    assert counts[0] == counts[1]
