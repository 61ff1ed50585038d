"""Invitations: a neutral email with a signed link that works once, expires, resists tampering."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
import time_machine
from itsdangerous import URLSafeTimedSerializer

from portal.db import db
from portal.models import (
    Invitation,
    OnboardingState,
    OutboxJob,
    Role,
    User,
    VolunteerProfile,
    utcnow,
)
from portal.services import invitations
from tests.conftest import csrf_token
from workers.jobs.invitations import send_invitation

NEW_EMAIL = "casey.whitlock@example.org"
NEW_PASSWORD = "a long and calm passphrase"
BANNED = ["addict", "alcohol", "substance", "mental", "depress", "anxi", "suicid", "crisis",
          "distress", "stress", "therap", "counsel", "peer", "support", "assistance", "wellness",
          "recovery", "volunteer", "lawyer", "casey", "whitlock"]


@pytest.fixture
def invite(app, client, coordinator, auth):
    """invite(email) → the link the invitee receives (through the real queue and SMTP server)."""

    def send(email: str, mail, run_jobs) -> str:
        auth.login(coordinator.email)
        response = client.post("/coordinator/volunteers/invite",
                               data={"email": email, "csrf_token": csrf_token(client)})
        assert response.status_code == 303
        auth.logout()
        run_jobs()
        return re.search(r"https://portal\.test\S+", mail[-1].get_content()).group(0)

    return send


def join_path(link: str) -> str:
    return urlparse(link).path


def join(client, path, password=NEW_PASSWORD, again=None):
    return client.post(path, data={"password": password, "password_again": again or password,
                                   "csrf_token": csrf_token(client)})


def test_the_invitation_email_is_neutral_and_carries_only_the_link(app, invite, mail, run_jobs):
    link = invite(NEW_EMAIL, mail, run_jobs)
    [message] = mail
    assert message["To"] == NEW_EMAIL
    assert message["Subject"] == "Your member portal invitation"
    text = (message["Subject"] + message.get_content()).lower()
    assert [word for word in BANNED if word in text] == []
    assert link.startswith("https://portal.test/join/")
    with app.app_context():
        invitation = db.session.execute(sa.select(Invitation)).scalar_one()
        assert invitation.sent_at is not None and invitation.email == NEW_EMAIL
        assert NEW_EMAIL.encode() not in invitation.email_ct


def test_a_rerun_of_the_mail_job_sends_nothing_more(app, invite, mail, run_jobs):
    invite(NEW_EMAIL, mail, run_jobs)
    with app.app_context():
        invitation = db.session.execute(sa.select(Invitation)).scalar_one()
        send_invitation(db.session, str(invitation.id))
        db.session.commit()
    assert len(mail) == 1


def test_a_valid_link_creates_a_volunteer_who_then_fills_in_the_profile(
        app, client, auth, invite, mail, run_jobs):
    path = join_path(invite(NEW_EMAIL, mail, run_jobs))
    page = client.get(path)
    assert page.status_code == 200 and "Choose a password" in page.get_data(as_text=True)
    response = join(client, path)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/sign-in?next=/volunteer/profile")
    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.role == Role.VOLUNTEER)).scalar_one()
        profile = db.session.execute(sa.select(VolunteerProfile)).scalar_one()
        assert user.email == NEW_EMAIL and profile.user_id == user.id
        assert profile.state == OnboardingState.APPLIED
        assert db.session.execute(sa.select(Invitation.used_at)).scalar() is not None
    signed_in = auth.login(NEW_EMAIL, NEW_PASSWORD, query_string={"next": "/volunteer/profile"})
    assert signed_in.headers["Location"] == "/volunteer/profile"
    assert "about screening and training" in client.get("/volunteer/profile").get_data(as_text=True)


def test_a_used_link_cannot_be_used_again(client, invite, mail, run_jobs):
    path = join_path(invite(NEW_EMAIL, mail, run_jobs))
    join(client, path)
    again = client.get(path)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert join(client, path, password="another calm passphrase").status_code == 410


def test_an_expired_link_is_refused(client, invite, mail, run_jobs):
    path = join_path(invite(NEW_EMAIL, mail, run_jobs))
    with time_machine.travel(utcnow() + timedelta(days=invitations.INVITATION_DAYS, hours=1),
                             tick=False):
        response = client.get(path)
        assert response.status_code == 410
        assert "has expired" in response.get_data(as_text=True)
        assert join(client, path).status_code == 410


def test_the_invitations_own_expiry_applies_even_to_a_freshly_signed_link(app, client, invite,
                                                                         mail, run_jobs):
    path = join_path(invite(NEW_EMAIL, mail, run_jobs))
    with app.app_context():
        invitation = db.session.execute(sa.select(Invitation)).scalar_one()
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert client.get(path).status_code == 410


@pytest.mark.parametrize("tamper", ["flip", "truncate", "foreign_key", "other_id"])
def test_a_tampered_link_is_refused(app, client, invite, mail, run_jobs, tamper):
    path = join_path(invite(NEW_EMAIL, mail, run_jobs))
    token = path.rsplit("/", 1)[1]
    if tamper == "flip":
        token = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    elif tamper == "truncate":
        token = token[: len(token) // 2]
    else:
        with app.app_context():
            invitation = db.session.execute(sa.select(Invitation)).scalar_one()
            payload = {"i": str(invitation.id), "n": invitation.nonce}
            if tamper == "other_id":
                payload["i"] = "00000000-0000-4000-8000-000000000000"
                secret = app.config["SECRET_KEY"]
            else:
                secret = "some-other-secret-" * 3
            token = URLSafeTimedSerializer(secret, salt=invitations.SALT).dumps(payload)
    response = client.get(f"/join/{token}")
    assert response.status_code == 404
    assert "not valid" in response.get_data(as_text=True)
    assert join(client, f"/join/{token}").status_code == 404
    with app.app_context():
        assert db.session.execute(sa.select(Invitation.used_at)).scalar() is None


def test_a_resent_invitation_voids_the_earlier_link(app, client, coordinator, auth, invite, mail,
                                                    run_jobs):
    first = join_path(invite(NEW_EMAIL, mail, run_jobs))
    second = join_path(invite(NEW_EMAIL, mail, run_jobs))  # the same address again: renewed
    assert first != second and len(mail) == 2
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Invitation)).scalar() == 1
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_a_cancelled_invitation_stops_working(app, client, coordinator, auth, invite, mail,
                                              run_jobs):
    path = join_path(invite(NEW_EMAIL, mail, run_jobs))
    with app.app_context():
        invitation_id = db.session.execute(sa.select(Invitation.id)).scalar_one()
    auth.login(coordinator.email)
    response = client.post(f"/coordinator/invitations/{invitation_id}/revoke",
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    auth.logout()
    assert client.get(path).status_code == 404


def test_a_weak_password_is_refused_beside_the_field_and_the_link_stays_usable(
        app, client, invite, mail, run_jobs):
    path = join_path(invite(NEW_EMAIL, mail, run_jobs))
    response = join(client, path, password="short")
    assert response.status_code == 422
    assert 'id="password-error"' in response.get_data(as_text=True)
    mismatch = join(client, path, password=NEW_PASSWORD, again="a different calm passphrase")
    assert mismatch.status_code == 422 and "not the same" in mismatch.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(sa.select(Invitation.used_at)).scalar() is None
    assert join(client, path).status_code == 303


def test_an_address_that_already_has_an_account_is_not_invited(app, client, coordinator, auth,
                                                               make_user):
    taken = make_user("participant", email="taken@example.org")
    auth.login(coordinator.email)
    response = client.post("/coordinator/volunteers/invite",
                           data={"email": taken.email, "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert 'id="email-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(sa.select(OutboxJob).where(
            OutboxJob.kind == "send_invitation")).first() is None


@pytest.mark.parametrize("email", ["", "not-an-email", "x" * 250 + "@example.org"])
def test_the_invite_form_checks_the_address(client, coordinator, auth, email):
    auth.login(coordinator.email)
    response = client.post("/coordinator/volunteers/invite",
                           data={"email": email, "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and "<html" in html


def test_pending_invitations_are_listed_for_the_coordinator(client, coordinator, auth, invite,
                                                            mail, run_jobs):
    invite(NEW_EMAIL, mail, run_jobs)
    auth.login(coordinator.email)
    page = client.get("/coordinator/volunteers").get_data(as_text=True)
    assert NEW_EMAIL in page and "Send a new link" in page


def test_the_expiry_date_in_the_email_is_the_programs_date(app, invite, mail, run_jobs):
    # Sent at 20:00 in Alberta (03:00 UTC the next day): the link ends on the Alberta date.
    with time_machine.travel("2026-12-02 03:00:00+00:00", tick=False):
        invite(NEW_EMAIL, mail, run_jobs)
    with app.app_context():
        expires_at = db.session.execute(sa.select(Invitation.expires_at)).scalar_one()
    assert expires_at.strftime("%Y-%m-%d") == "2026-12-16"
    assert "expires on 2026-12-15" in mail[-1].get_content()
