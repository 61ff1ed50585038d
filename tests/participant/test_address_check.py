"""Nobody learns from the request form whether an address has an account here, and nobody can
file a request in a colleague's name unnoticed: every unproven address gets the same page and
the same neutral email, and the request waits for the address's owner to confirm it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.db import db
from portal.models import AuditEvent, Intake, Notification, Role, User, utcnow
from portal.services import address_checks
from tests.conftest import PASSWORD, csrf_token
from tests.participant.conftest import CONSENT, confirm_link, count

SAM = "sam@example.org"
OTHER_PASSWORD = "not the password at all"


def page_text(response) -> str:
    """A page without what differs on every response anyway (nonces, tokens)."""
    text = response.get_data(as_text=True)
    text = re.sub(r'nonce="[^"]*"', "", text)
    text = re.sub(r'"X-CSRFToken": "[^"]*"', "", text)
    return re.sub(r'(name="csrf_token"[^>]*value=|content=)"[^"]*"', "", text)


def ask_as(client, wizard, password=CONSENT["password"]):
    wizard.fill()
    sent = wizard.submit(password=password, password_again=password)
    return sent, client.get("/request/sent")


def headers_of(response) -> list:
    """Every header but those that differ on every response anyway (the time, the request's
    id, the session cookie's value: its name and attributes stay)."""
    return sorted((name, re.sub(r"^session=[^;]*", "session=", value))
                  for name, value in response.headers.items()
                  if name not in ("Date", "X-Request-ID"))


def mail_text(message) -> str:
    return re.sub(r"/confirm/\S+", "<link>", message.get_content())


def address_checks_sent(mail) -> list:
    return [message for message in mail if message["Subject"] == "Please confirm your email address"]


@pytest.mark.parametrize("owner", ["participant", "volunteer", "coordinator"])
def test_an_address_with_an_account_gets_the_same_answer_as_a_new_one(
        app, client, make_user, wizard, mail, run_jobs, owner):
    new_sent, new_page = ask_as(client, wizard)
    run_jobs()
    client.delete_cookie("session")
    make_user(owner, email="known@example.org")
    wizard.fill(contact={"email": "known@example.org"})
    known_sent = wizard.submit(password=OTHER_PASSWORD, password_again=OTHER_PASSWORD)
    known_page = client.get("/request/sent")
    run_jobs()
    assert (new_sent.status_code, new_sent.headers["Location"]) == \
        (known_sent.status_code, known_sent.headers["Location"]) == (303, "/request/sent")
    assert headers_of(new_sent) == headers_of(known_sent)
    assert new_sent.get_data() == known_sent.get_data()
    assert headers_of(new_page) == headers_of(known_page)
    assert page_text(new_page) == page_text(known_page)
    assert "Sign out" not in page_text(known_page)  # nobody was signed in
    first, second = address_checks_sent(mail)
    assert (first["Subject"], mail_text(first)) == (second["Subject"], mail_text(second))
    assert second["To"] == "known@example.org"


def test_the_email_is_neutral(client, wizard, mail, run_jobs):
    from tests.volunteers.test_invitations import BANNED

    ask_as(client, wizard)
    run_jobs()
    [message] = mail
    words = (message["Subject"] + mail_text(message)).lower()
    assert [word for word in BANNED + ["sam", "request", "help"] if word in words] == []
    assert message["Subject"] == "Please confirm your email address"


def test_the_request_reaches_the_coordinator_at_once_marked_unconfirmed(
        app, client, wizard, login_as, mail, run_jobs):
    ask_as(client, wizard)
    with app.app_context():
        intake = db.session.execute(sa.select(Intake)).scalar_one()
        assert intake.participant_id is None and intake.email_confirmed_at is None
        assert intake.claim_email == SAM and SAM.encode() not in (intake.claim_email_ct or b"")
    client.delete_cookie("session")
    login_as("coordinator")
    today = client.get("/coordinator/").get_data(as_text=True)
    record = client.get(f"/coordinator/intakes/{intake.id}").get_data(as_text=True)
    assert "Email not yet confirmed" in today and "Email not yet confirmed" in record


def test_a_yes_to_danger_is_announced_at_once_before_any_confirmation(
        app, client, wizard, make_user):
    staff = make_user("coordinator")
    wizard.fill(danger="yes")
    wizard.submit()
    with app.app_context():
        kinds = db.session.execute(sa.select(Notification.kind).where(
            Notification.recipient_id == staff.id)).scalars().all()
    assert kinds == ["urgent_request"]


def test_confirming_a_new_address_creates_the_account_with_the_password_chosen(
        app, client, wizard, mail, run_jobs, auth):
    ask_as(client, wizard)
    run_jobs()
    path = confirm_link(mail)
    assert count("user_account") == 0
    done = client.post(path, data={"csrf_token": csrf_token(client)})
    assert "your address is confirmed" in done.get_data(as_text=True)
    assert auth.login(SAM, PASSWORD).headers["Location"].endswith("/home")
    assert "Sam" in client.get("/my").get_data(as_text=True)
    with app.app_context():
        intake = db.session.execute(sa.select(Intake)).scalar_one()
        user = db.session.execute(sa.select(User)).scalar_one()
        assert (intake.participant_id, user.role) == (user.id, Role.PARTICIPANT)
        assert intake.email_confirmed_at is not None
        assert intake.claim_email is None and intake.claim_password_hash is None


def test_opening_the_link_confirms_nothing_until_the_button_is_pressed(
        app, client, wizard, mail, run_jobs):
    ask_as(client, wizard)
    run_jobs()
    page = client.get(confirm_link(mail))
    assert page.status_code == 200 and "Confirm my address" in page.get_data(as_text=True)
    assert count("user_account") == 0


def test_confirming_a_participants_address_gives_them_the_request(
        app, client, make_user, wizard, mail, run_jobs):
    sam = make_user("participant", email=SAM)
    ask_as(client, wizard, password=OTHER_PASSWORD)  # forgot the password: still heard
    run_jobs()
    client.post(confirm_link(mail), data={"csrf_token": csrf_token(client)})
    with app.app_context():
        intake = db.session.execute(sa.select(Intake)).scalar_one()
        assert intake.participant_id == sam.id
        assert db.session.get(User, sam.id).password_hash == sam.password_hash  # unchanged


def test_a_volunteers_address_confirmed_stays_with_the_coordinator(
        app, client, make_user, wizard, mail, run_jobs):
    make_user("volunteer", email=SAM)
    ask_as(client, wizard)
    run_jobs()
    done = client.post(confirm_link(mail), data={"csrf_token": csrf_token(client)})
    assert "will write to this address" in done.get_data(as_text=True)
    with app.app_context():
        intake = db.session.execute(sa.select(Intake)).scalar_one()
        assert intake.participant_id is None and intake.email_confirmed_at is not None
        assert intake.claim_email == SAM  # the coordinator's way to reach them
        assert count("user_account") == 1


def test_the_link_works_once(client, wizard, mail, run_jobs):
    ask_as(client, wizard)
    run_jobs()
    path = confirm_link(mail)
    client.post(path, data={"csrf_token": csrf_token(client)})
    assert client.get(path).status_code == 410
    assert client.post(path, data={"csrf_token": csrf_token(client)}).status_code == 410
    assert count("user_account") == 1


def test_a_tampered_link_is_refused(client, wizard, mail, run_jobs):
    ask_as(client, wizard)
    run_jobs()
    path = confirm_link(mail)
    assert client.get(path[:-3] + "abc").status_code == 404


def test_an_old_link_has_expired(client, wizard, mail, run_jobs):
    ask_as(client, wizard)
    run_jobs()
    path = confirm_link(mail)
    later = utcnow() + timedelta(days=address_checks.CONFIRM_DAYS, hours=1)
    with time_machine.travel(later, tick=False):
        assert client.get(path).status_code == 410


def test_the_confirmation_is_audited_without_the_address(app, client, wizard, mail, run_jobs):
    ask_as(client, wizard)
    run_jobs()
    client.post(confirm_link(mail), data={"csrf_token": csrf_token(client)})
    with app.app_context():
        event = db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.action == "confirm_email")).scalar_one()
    assert event.detail == "attached" and SAM not in repr(event.__dict__)


def test_the_right_password_still_signs_a_participant_in_at_once(
        app, client, make_user, wizard, mail, run_jobs):
    make_user("participant", email=SAM)
    ask_as(client, wizard)
    run_jobs()
    assert client.get("/my").status_code == 200
    assert mail == []  # their password proved the address
