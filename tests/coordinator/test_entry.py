"""A request taken by phone, in person or from a referral: entered by the coordinator through the
same questions and rules, matched like any other, and never a message to the person unless they
are invited to an account."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import AuditEvent, Intake, Notification, Role, User
from tests.conftest import PASSWORD, csrf_token
from tests.participant.conftest import STEP_DATA

ANSWERS = {**STEP_DATA["about"], **STEP_DATA["support"], **STEP_DATA["preferences"],
           **STEP_DATA["availability"], **STEP_DATA["conflicts"],
           **{k: v for k, v in STEP_DATA["contact"].items() if k != "email"}}


@pytest.fixture
def coordinator(login_as):
    return login_as("coordinator")


def details_form(client, danger="no") -> dict:
    page = client.get(f"/coordinator/intakes/new/details?danger={danger}").get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1)
    return {"csrf_token": csrf_token(client), "danger": danger, "submission_token": token}


def enter(client, danger="no", **how):
    data = {**details_form(client, danger), **ANSWERS, "channel": "phone",
            "consent_method": "verbal", "reach_by": "phone", **how}
    return client.post("/coordinator/intakes/new/details", data=data)


def the_intake(app) -> Intake:
    with app.app_context():
        return db.session.execute(sa.select(Intake)).scalar_one()


def test_the_safety_question_comes_first(client, coordinator):
    page = client.get("/coordinator/intakes/new").get_data(as_text=True)
    assert "Are they in immediate danger" in page and 'name="alias"' not in page
    response = client.post("/coordinator/intakes/new", data={"csrf_token": csrf_token(client),
                                                             "danger": "no"})
    assert response.headers["Location"] == "/coordinator/intakes/new/details?danger=no"


def test_a_yes_shows_the_crisis_protocol_and_marks_the_request_urgent(app, client, coordinator,
                                                                       make_user):
    other = make_user("coordinator")
    page = client.get("/coordinator/intakes/new/details?danger=yes").get_data(as_text=True)
    assert "the crisis protocol first" in page and "988" in page
    assert enter(client, danger="yes").status_code == 303
    intake = the_intake(app)
    assert intake.urgent
    with app.app_context():
        told = db.session.execute(sa.select(Notification.kind).where(
            Notification.recipient_id == other.id)).scalars().all()
    assert told == ["urgent_request"]


def test_an_entered_request_is_matched_like_any_other_and_attached_to_no_account(
        app, client, coordinator, run_jobs):
    response = enter(client, alias="Robin")
    intake = the_intake(app)
    assert response.headers["Location"] == f"/coordinator/intakes/{intake.id}"
    assert (intake.participant_id, intake.alias, intake.channel, intake.consent_method,
            intake.reach_by, intake.entered_by_id) == (None, "Robin", "phone", "verbal", "phone",
                                                       coordinator.id)
    run_jobs()
    assert the_intake(app).suggestions_computed_at is not None
    record = client.get(f"/coordinator/intakes/{intake.id}").get_data(as_text=True)
    assert "Entered by a coordinator (by phone)" in record and "Reach them by phone only" in record
    with app.app_context():
        event = db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.action == "create", AuditEvent.subject_type == "intake")).scalar_one()
    assert (event.actor_id, event.detail) == (coordinator.id, "on_behalf:phone")


def test_through_the_coordinator_only_means_no_account_and_no_message_ever(
        app, client, coordinator, run_jobs, mail):
    enter(client, reach_by="coordinator", phone="")
    run_jobs()
    intake = the_intake(app)
    assert intake.claim_email is None and intake.participant_id is None
    with app.app_context():
        recipients = db.session.execute(sa.select(User.role).join(
            Notification, Notification.recipient_id == User.id)).scalars().all()
        assert Role.PARTICIPANT not in recipients
        assert db.session.execute(sa.select(User).where(User.role == Role.PARTICIPANT)).first() \
            is None
        staff = {user.email for user in db.session.execute(sa.select(User)).scalars()}
    assert {message["To"] for message in mail} <= staff


def test_bad_entries_keep_what_was_typed_and_say_what_to_fix(app, client, coordinator):
    response = enter(client, reach_by="email", email="", alias="Robin", note="Kept note",
                     concerns=[])
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please enter their email address" in body and "Please choose at least one" in body
    assert 'value="Robin"' in body and "Kept note" in body
    assert the_intake_count(app) == 0


def test_bad_entries_are_summed_up_at_the_top_each_linked_to_its_field(client, coordinator):
    body = enter(client, reach_by="email", email="", concerns=[]).get_data(as_text=True)
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', body, re.S).group(0)
    assert body.index('class="error-summary"') < body.index('id="how-title"')
    for target in re.findall(r'href="#(\w+)"', summary):
        assert f'id="{target}"' in body
    assert {"concerns", "email"} <= set(re.findall(r'href="#(\w+)"', summary))


def the_intake_count(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(Intake)).scalar_one()


def test_phone_only_needs_a_phone_number(app, client, coordinator):
    response = enter(client, reach_by="phone", phone="", alias="Robin")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and the_intake_count(app) == 0
    assert "Please enter their phone number" in body and 'value="Robin"' in body


def test_the_same_form_sent_twice_enters_one_request(app, client, coordinator):
    data = {**details_form(client), **ANSWERS, "channel": "walk_in", "consent_method": "written",
            "reach_by": "phone"}
    client.post("/coordinator/intakes/new/details", data=data)
    client.post("/coordinator/intakes/new/details", data=data)
    assert the_intake_count(app) == 1


def test_only_staff_enter_requests(client, login_as):
    login_as("volunteer")
    assert client.get("/coordinator/intakes/new").status_code == 403


def test_the_person_can_be_invited_to_an_account_later_and_chooses_a_password(
        app, client, coordinator, run_jobs, mail, auth):
    enter(client, reach_by="email", email="robin@example.org")
    intake = the_intake(app)
    response = client.post(f"/coordinator/intakes/{intake.id}/invite",
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    run_jobs()
    [message] = [m for m in mail if m["To"] == "robin@example.org"]
    path = re.search(r"https://portal\.test(/confirm/\S+)", message.get_content()).group(1)
    auth.logout()
    page = client.get(path).get_data(as_text=True)
    assert "Choose a password" in page
    short = client.post(path, data={"csrf_token": csrf_token(client), "password": "short",
                                    "password_again": "short"})
    assert short.status_code == 422
    done = client.post(path, data={"csrf_token": csrf_token(client), "password": PASSWORD,
                                   "password_again": PASSWORD})
    assert "your address is confirmed" in done.get_data(as_text=True)
    assert auth.login("robin@example.org").status_code == 303
    assert "Where things stand" in client.get("/my").get_data(as_text=True)
    assert the_intake(app).reach_by == "account"
