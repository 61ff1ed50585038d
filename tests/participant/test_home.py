"""The participant's page: status in plain words, and the choices to change, pause, end or erase."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import (
    AuditEvent,
    Intake,
    IntakeState,
    Match,
    MatchState,
    Notification,
    OutboxJob,
    ServerSession,
    User,
)
from tests.conftest import PASSWORD, csrf_token


def post(client, url, data=None, htmx=False):
    if htmx:
        return client.post(url, data=data or {},
                           headers={"HX-Request": "true", "X-CSRFToken": csrf_token(client)})
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)})


def reload(app, model, row_id):
    with app.app_context():
        return db.session.get(model, row_id)


def test_the_page_is_for_participants_only(client, login_as):
    assert client.get("/my").headers["Location"].startswith("/sign-in")
    login_as("volunteer")
    assert client.get("/my").status_code == 403


def test_signing_in_as_a_participant_lands_on_their_page(client, make_user, auth):
    user = make_user("participant")
    auth.login(user.email)
    assert client.get("/home").headers["Location"] == "/my"


@pytest.mark.parametrize("intake_state, match_state, words", [
    (IntakeState.WAITING, None, "We have your request"),
    (IntakeState.OFFERED, MatchState.OFFERED, "We are finding the right peer"),
    (IntakeState.MATCHED, MatchState.ACTIVE, "You have been introduced to Avery."),
    (IntakeState.PAUSED, None, "Your request is paused"),
    (IntakeState.WITHDRAWN, None, "Your request has ended"),
])
def test_the_status_is_in_plain_words(client, login_as, program, intake_state, match_state, words):
    user = login_as("participant")
    intake = program.intake(user, state=intake_state)
    if match_state is not None:
        program.match(intake, program.volunteer("Avery Stone"), state=match_state)
    page = client.get("/my").get_data(as_text=True)
    assert words in page
    assert "Stone" not in page  # a first name only
    assert "score" not in page.lower()


def test_once_introduced_the_page_says_how_contact_will_happen(client, login_as, program):
    user = login_as("participant")
    intake = program.intake(user, state=IntakeState.MATCHED)
    program.match(intake, program.volunteer())
    page = client.get("/my").get_data(as_text=True)
    assert "will get in touch by phone or email" in page and "not leave a voicemail" in page
    assert "Ask for a different peer" in page


def test_the_page_lists_referral_resources(app, client, login_as, program):
    from portal.models import ReferralResource

    with app.app_context():
        db.session.add(ReferralResource(name="Counselling line", category="counselling",
                                        phone="1-800-555-0199", always_open=True,
                                        url="https://counselling.example"))
        db.session.commit()
    program.intake(login_as("participant"))
    page = client.get("/my").get_data(as_text=True)
    assert "Counselling line" in page and 'href="tel:18005550199"' in page
    assert 'href="https://counselling.example"' not in page  # shown, never linked away


def test_a_confirmation_is_a_page_and_a_fragment_at_one_url(client, hx, login_as, program):
    program.intake(login_as("participant"))
    page = client.get("/my/pause").get_data(as_text=True)
    fragment = client.get("/my/pause", headers=hx).get_data(as_text=True)
    assert "<html" in page and 'id="home-actions"' in page
    assert fragment.lstrip().startswith('<section id="home-actions"') and "<html" not in fragment


def test_asking_for_a_change_ends_the_match_respectfully_and_finds_someone_new(
        app, client, login_as, program):
    user = login_as("participant")
    coordinator = program.staff()
    intake = program.intake(user, state=IntakeState.MATCHED)
    match = program.match(intake, program.volunteer())
    assert "no need to explain" in client.get("/my").get_data(as_text=True)
    assert "need to give a reason" in client.get("/my/change").get_data(as_text=True)
    response = post(client, "/my/change")
    assert response.headers["Location"] == "/my"
    match, intake = reload(app, Match, match.id), reload(app, Intake, intake.id)
    assert (match.state, match.close_reason) == (MatchState.CLOSED, "change_requested")
    assert intake.state is IntakeState.WAITING and intake.priority
    with app.app_context():
        assert db.session.execute(sa.select(Notification.recipient_id, Notification.kind)).all() \
            == [(coordinator.id, "change_requested")]
        assert db.session.execute(sa.select(OutboxJob.ref).where(
            OutboxJob.kind == "suggest_for_intake")).scalars().all() == [str(intake.id)]
    assert "find you someone new" in client.get("/my").get_data(as_text=True)


def test_a_change_cannot_be_asked_before_an_introduction(client, login_as, program):
    program.intake(login_as("participant"))
    assert client.get("/my/change").status_code == 409


def test_pausing_takes_back_an_unanswered_offer_and_resuming_looks_again(
        app, client, login_as, program):
    user = login_as("participant")
    intake = program.intake(user, state=IntakeState.OFFERED)
    offer = program.match(intake, program.volunteer(), state=MatchState.OFFERED)
    assert post(client, "/my/pause", htmx=True).headers["HX-Redirect"] == "/my"
    assert reload(app, Intake, intake.id).state is IntakeState.PAUSED
    assert reload(app, Match, offer.id).state is MatchState.WITHDRAWN
    assert "Pick my request up again" in client.get("/my").get_data(as_text=True)
    post(client, "/my/resume")
    assert reload(app, Intake, intake.id).state is IntakeState.WAITING
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxJob).where(
            OutboxJob.kind == "suggest_for_intake", OutboxJob.ref == str(intake.id))).scalar() >= 1


def test_withdrawing_closes_the_relationship_and_tells_the_volunteer(
        app, client, login_as, program):
    user = login_as("participant")
    intake = program.intake(user, state=IntakeState.MATCHED)
    profile = program.volunteer()
    match = program.match(intake, profile)
    post(client, "/my/withdraw")
    intake, match = reload(app, Intake, intake.id), reload(app, Match, match.id)
    assert intake.state is IntakeState.WITHDRAWN and intake.closed_at is not None
    assert (match.state, match.close_reason, match.closed_by_role) == \
        (MatchState.CLOSED, "withdrawn", "participant")
    with app.app_context():
        kinds = db.session.execute(sa.select(Notification.recipient_id, Notification.kind)).all()
        assert (profile.user_id, "relationship_closed") in kinds
        actions = db.session.execute(sa.select(AuditEvent.detail).where(
            AuditEvent.subject_id == str(intake.id))).scalars().all()
        assert "matched->withdrawn" in actions
    assert "Ask for a peer again" in client.get("/my").get_data(as_text=True)


def test_choices_after_the_end_are_refused_in_plain_words(client, login_as, program):
    program.intake(login_as("participant"), state=IntakeState.WITHDRAWN)
    assert client.post("/my/pause", data={"csrf_token": csrf_token(client)}).status_code == 404


def _raw(app, sql, **params):
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(sa.text(sql), params).all()


def _rows_of(app, model, **equal):
    """Rows straight from the table (Core, no ORM identity map), filtered by column values."""
    table = model.__table__
    query = sa.select(table).where(*(table.c[name] == value for name, value in equal.items()))
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(query).all()


def test_deleting_needs_the_tick_and_the_password(app, client, login_as, program):
    user = login_as("participant")
    program.intake(user)
    response = post(client, "/my/delete", {"password": "wrong but long enough"}, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Please tick this box to confirm." in body
    response = post(client, "/my/delete", {"understood": "y", "password": "wrong password!!"})
    assert response.status_code == 422
    assert "password is not right" in response.get_data(as_text=True)
    assert _raw(app, "SELECT id FROM user_account")


def test_deleting_my_data_erases_it_for_good_and_keeps_an_anonymous_row(
        app, client, login_as, program, ask_and_sign_in):
    ask_and_sign_in(danger="yes")
    with app.app_context():
        intake = db.session.execute(sa.select(Intake)).scalar_one()
        user_id = intake.participant_id
    profile = program.volunteer()
    program.match(intake, profile)
    with app.app_context():  # the pair was introduced
        db.session.execute(sa.update(Intake).values(state=IntakeState.MATCHED))
        db.session.commit()
    response = post(client, "/my/delete", {"understood": "y", "password": PASSWORD})
    assert response.headers["Location"] == "/my/deleted"
    assert "has been deleted" in client.get("/my/deleted").get_data(as_text=True)
    assert client.get("/my").headers["Location"].startswith("/sign-in")  # signed out

    assert _rows_of(app, User, id=user_id) == []
    assert _raw(app, "SELECT * FROM conflict_entry") == []
    assert _rows_of(app, ServerSession, user_id=user_id) == []
    assert _rows_of(app, Notification, recipient_id=user_id) == []
    # Alone in its month and outcome, even the anonymous row would single the person out:
    # it is dropped with its offers (tests/retention/test_what_erasure_keeps.py for the rest).
    assert _raw(app, "SELECT * FROM intake") == [] and _raw(app, "SELECT * FROM match") == []
    with app.app_context():
        erased = db.session.execute(sa.select(AuditEvent.subject_type).where(
            AuditEvent.action == "erase")).scalars().all()
        assert sorted(erased) == ["intake", "user_account"]
        assert (profile.user_id, "relationship_closed") in db.session.execute(
            sa.select(Notification.recipient_id, Notification.kind)).all()
    from tests.participant.test_submission import _appears, _every_stored_value

    with app.app_context():
        stored = _every_stored_value()
    for secret in ("sam@example.org", "Sam", "Quillfeather", "403-555-0123"):
        assert not _appears(secret, stored)
