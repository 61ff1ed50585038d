"""Is peer support helping? Asked without content at 30 and 90 days and at the end, each once,
answered from the home page (with a way to ask for a change), counted only in aggregate."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.db import db
from portal.models import Match, MatchState, Notification, OutcomePulse, User, utcnow
from portal.services import outcomes, relationships
from tests.conftest import HX, csrf_token


def started(app, program, participant, days_ago: int):
    intake = program.intake(participant)
    profile = program.volunteer()
    match = program.match(intake, profile)
    with app.app_context():
        db.session.get(Match, match.id).activated_at = utcnow() - timedelta(days=days_ago)
        db.session.commit()
    return match, profile


def test_the_30_and_90_day_questions_are_asked_once_each(app, program, make_user):
    participant = make_user("participant")
    started(app, program, participant, days_ago=31)
    with app.app_context():
        assert outcomes.ask_due(db.session) == 1
        assert outcomes.ask_due(db.session) == 0
        assert outcomes.ask_due(db.session, now=utcnow() + timedelta(days=60)) == 1
        db.session.commit()
        moments = db.session.execute(sa.select(OutcomePulse.moment)).scalars().all()
        told = db.session.execute(sa.select(Notification.kind).where(
            Notification.recipient_id == participant.id)).scalars().all()
    assert sorted(moments) == ["day_30", "day_90"] and told.count("outcome_pulse") == 2


def test_the_participant_answers_from_their_page_and_may_ask_for_a_change(
        app, client, program, make_user, auth):
    participant = make_user("participant")
    started(app, program, participant, days_ago=31)
    with app.app_context():
        outcomes.ask_due(db.session)
        db.session.commit()
    auth.login(participant.email)
    page = client.get("/my").get_data(as_text=True)
    assert "Is this helping?" in page and "a different peer" in page
    pulse_id = page.split('name="pulse_id" value="')[1].split('"')[0]
    saved = client.post("/pulse", data={"pulse_id": pulse_id, "answer": "somewhat",
                                        "csrf_token": csrf_token(client)}, headers=HX)
    assert "counted only with everyone else" in saved.get_data(as_text=True)
    assert "Is this helping?" not in client.get("/my").get_data(as_text=True)


def test_both_are_asked_when_the_relationship_ends(app, program, make_user):
    participant = make_user("participant")
    match, profile = started(app, program, participant, days_ago=5)
    with app.app_context():
        volunteer = db.session.get(User, profile.user_id)
        relationships.close_relationship(db.session, db.session.get(Match, match.id),
                                         actor=volunteer, reason="completed")
        db.session.commit()
        asked = db.session.execute(sa.select(OutcomePulse.role, OutcomePulse.moment)).all()
        assert sorted(asked) == [("participant", "closure"), ("volunteer", "closure")]
        assert db.session.get(Match, match.id).state == MatchState.CLOSED


def test_nobody_answers_someone_elses_question(app, client, program, make_user, auth):
    participant = make_user("participant")
    started(app, program, participant, days_ago=31)
    with app.app_context():
        outcomes.ask_due(db.session)
        db.session.commit()
        pulse_id = db.session.execute(sa.select(OutcomePulse.id)).scalar_one()
    auth.login(make_user("participant").email)
    response = client.post("/pulse", data={"pulse_id": str(pulse_id), "answer": "yes",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 404


def test_reports_count_answers_by_quarter_and_suppress_small_ones(app, client, program,
                                                                  make_user, login_as):
    for _ in range(3):
        participant = make_user("participant")
        started(app, program, participant, days_ago=31)
    with app.app_context():
        outcomes.ask_due(db.session)
        for pulse in db.session.execute(sa.select(OutcomePulse)).scalars():
            pulse.answer, pulse.answered_at = "yes", utcnow()
        db.session.commit()
    login_as("coordinator")
    page = client.get("/coordinator/reports/").get_data(as_text=True)
    section = page[page.index("Is peer support helping?"):page.index("contacts and time")]
    assert "&lt;10" in section and ">3<" not in section


def test_without_javascript_sending_no_answer_comes_back_to_the_page_saying_so(
        app, client, program, make_user, auth):
    participant = make_user("participant")
    started(app, program, participant, days_ago=31)
    with app.app_context():
        outcomes.ask_due(db.session)
        db.session.commit()
    auth.login(participant.email)
    page = client.get("/my").get_data(as_text=True)
    pulse_id = page.split('name="pulse_id" value="')[1].split('"')[0]
    refused = client.post("/pulse", data={"pulse_id": pulse_id, "csrf_token": csrf_token(client)},
                          follow_redirects=True)
    body = refused.get_data(as_text=True)
    assert refused.request.path == "/my" and "<html" in body
    assert "Please choose one of the options shown." in body and "Is this helping?" in body
