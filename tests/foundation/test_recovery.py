"""Getting back in: the same answer for every address, a single-use link that expires and ends
every other session; and changing my password, email and phone after my password again."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.db import db
from portal.models import AuditEvent, Intake, ServerSession, User, utcnow
from portal.services import recovery
from tests.conftest import PASSWORD, csrf_token

NEW_PASSWORD = "an entirely new calm phrase"


def ask(client, email):
    return client.post("/sign-in/forgot", data={"email": email, "csrf_token": csrf_token(client)})


def link_in(mail, to, path) -> str:
    [message] = [m for m in mail if m["To"] == to]
    return re.search(rf"https://portal\.test({path}\S+)", message.get_content()).group(1)


def body(response) -> str:
    text = response.get_data(as_text=True)
    return re.sub(r'(nonce|value|content)="[^"]*"|"X-CSRFToken": "[^"]*"', "", text)


@pytest.mark.parametrize("role", ["participant", "volunteer", "coordinator"])
def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(client, make_user, role):
    user = make_user(role)
    known, unknown = ask(client, user.email), ask(client, "nobody.here@example.org")
    assert known.status_code == unknown.status_code == 200
    assert body(known) == body(unknown)


def test_a_participant_gets_a_neutral_link_that_resets_and_ends_every_session(
        app, client, make_user, mail, run_jobs, auth):
    from tests.volunteers.test_invitations import BANNED

    user = make_user("participant")
    with app.app_context():  # signed in on another device
        now = utcnow()
        db.session.add(ServerSession(id="e" * 64, user_id=user.id, created_at=now,
                                     last_seen_at=now, expires_at=now + timedelta(hours=1)))
        db.session.commit()
    ask(client, user.email)
    run_jobs()
    [message] = [m for m in mail if m["To"] == user.email]
    assert [w for w in BANNED if w in (message["Subject"] + message.get_content()).lower()] == []
    path = link_in(mail, user.email, "/sign-in/reset/")
    assert client.get(path).status_code == 200
    done = client.post(path, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD,
                                   "csrf_token": csrf_token(client)})
    assert done.headers["Location"] == "/sign-in"
    with app.app_context():
        assert db.session.get(ServerSession, "e" * 64) is None
    assert client.get(path).status_code == 410  # single use
    assert auth.login(user.email, PASSWORD).status_code == 422
    assert auth.login(user.email, NEW_PASSWORD).status_code == 303


def test_the_link_expires(client, make_user, mail, run_jobs):
    user = make_user("volunteer")
    ask(client, user.email)
    run_jobs()
    path = link_in(mail, user.email, "/sign-in/reset/")
    with time_machine.travel(utcnow() + timedelta(minutes=31), tick=False):
        assert client.get(path).status_code == 410


def test_a_tampered_link_is_refused(client, make_user, mail, run_jobs):
    user = make_user("participant")
    ask(client, user.email)
    run_jobs()
    path = link_in(mail, user.email, "/sign-in/reset/")
    assert client.get(path[:-4] + "abcd").status_code == 404


def test_staff_recover_through_an_admin_not_by_email(client, make_user, mail, run_jobs):
    staff = make_user("coordinator")
    ask(client, staff.email)
    run_jobs()
    assert [m for m in mail if m["To"] == staff.email] == []


def test_an_admin_sends_a_staff_member_a_new_password_link(app, client, make_user, login_as,
                                                            mail, run_jobs):
    staff = make_user("coordinator")
    login_as("admin")
    client.post(f"/admin/staff/{staff.id}/send-password-link",
                data={"csrf_token": csrf_token(client)})
    run_jobs()
    assert link_in(mail, staff.email, "/sign-in/reset/")
    with app.app_context():
        assert db.session.get(User, staff.id).session_epoch == staff.session_epoch + 1
        assert db.session.execute(sa.select(AuditEvent.action).where(
            AuditEvent.action == "reset_sent")).scalar()


def test_asking_is_limited_per_account(app, client, make_user, mail, run_jobs):
    user = make_user("participant")
    for _ in range(recovery.RESETS_PER_HOUR + 2):
        ask(client, user.email)
        run_jobs()
    assert len([m for m in mail if m["To"] == user.email]) == recovery.RESETS_PER_HOUR


def test_changing_my_password_needs_the_current_one_and_ends_other_sessions(
        app, client, login_as, auth):
    user = login_as("volunteer")
    wrong = client.post("/account/password", data={
        "current": "not it at all", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD,
        "csrf_token": csrf_token(client)})
    assert wrong.status_code == 422 and "not right" in wrong.get_data(as_text=True)
    ok = client.post("/account/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD,
        "csrf_token": csrf_token(client)})
    assert ok.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200  # this session goes on
    with app.app_context():
        assert db.session.get(User, user.id).session_epoch == user.session_epoch + 1


def test_a_new_email_is_used_only_once_confirmed_and_the_old_address_is_told(
        app, client, login_as, mail, run_jobs, auth):
    user = login_as("volunteer")
    old = user.email
    client.post("/account/email", data={"current": PASSWORD, "email": "fresh@example.org",
                                        "csrf_token": csrf_token(client)})
    run_jobs()
    with app.app_context():
        assert db.session.get(User, user.id).email == old  # not yet
    path = link_in(mail, "fresh@example.org", "/account/email/")
    assert client.get(path).status_code == 200
    client.post(path, data={"csrf_token": csrf_token(client)})
    run_jobs()
    with app.app_context():
        assert db.session.get(User, user.id).email == "fresh@example.org"
    [notice] = [m for m in mail if m["To"] == old]
    assert "was changed to another address" in notice.get_content()
    assert "fresh@example.org" not in notice.get_content()
    assert client.post(path, data={"csrf_token": csrf_token(client)}).status_code == 410
    auth.logout()
    assert auth.login("fresh@example.org").status_code == 303


def test_an_address_already_taken_is_said_only_to_its_mailbox(app, client, login_as, make_user,
                                                            mail, run_jobs):
    make_user("participant", email="taken@example.org")
    login_as("volunteer")
    response = client.post("/account/email", data={"current": PASSWORD,
                                                   "email": "taken@example.org",
                                                   "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/account"  # the same answer as for any address
    run_jobs()
    path = link_in(mail, "taken@example.org", "/account/email/")
    refused = client.post(path, data={"csrf_token": csrf_token(client)})
    assert refused.status_code == 409


def test_a_participant_changes_the_phone_on_their_request(app, client, make_intake, auth):
    intake = make_intake(phone="403-555-0123")
    with app.app_context():
        email = db.session.get(User, intake.participant_id).email
    auth.login(email)
    bad = client.post("/account/phone", data={"current": PASSWORD, "phone": "call me maybe",
                                              "csrf_token": csrf_token(client)})
    assert bad.status_code == 422 and 'value="call me maybe"' in bad.get_data(as_text=True)
    client.post("/account/phone", data={"current": PASSWORD, "phone": "587-555-0188",
                                        "csrf_token": csrf_token(client)})
    with app.app_context():
        assert db.session.get(Intake, intake.id).phone == "587-555-0188"
