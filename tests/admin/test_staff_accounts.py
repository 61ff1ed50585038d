"""Staff accounts, kept by an admin: invited by a single-use link, listed with their last sign-in
and second step, deactivated (signed out at once), reactivated, their second step reset; the
last active admin always stays."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import AuditEvent, Role, ServerSession, User, utcnow
from tests.conftest import HX, PASSWORD, csrf_token


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def post(client, url, data=None, htmx=False):
    if htmx:
        return client.post(url, data=data or {},
                           headers={**HX, "X-CSRFToken": csrf_token(client)})
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)})


def test_the_list_shows_role_last_sign_in_and_second_step(client, admin, make_user):
    make_user("coordinator", email="dana@example.org")
    page = client.get("/admin/staff").get_data(as_text=True)
    assert "dana@example.org" in page and admin.email in page
    assert "second step set up" in page and "last signed in" in page


def test_an_admin_invites_a_coordinator_who_joins_and_sets_up_a_second_step(
        app, client, admin, mail, run_jobs, auth):
    response = post(client, "/admin/staff/invite", {"email": "new.staff@example.org",
                                                    "name": "Dana Fairweather",
                                                    "role": "coordinator"})
    assert response.status_code == 303
    run_jobs()
    [message] = [m for m in mail if m["To"] == "new.staff@example.org"]
    path = re.search(r"https://portal\.test(/join/\S+)", message.get_content()).group(1)
    auth.logout()
    joined = client.post(path, data={"password": PASSWORD, "password_again": PASSWORD,
                                     "csrf_token": csrf_token(client)})
    assert joined.headers["Location"] == "/sign-in"
    with app.app_context():
        user = db.session.execute(sa.select(User).where(
            User.role == Role.COORDINATOR)).scalar_one()
        assert (user.email, user.display_name) == ("new.staff@example.org", "Dana Fairweather")
    first = auth.password_step("new.staff@example.org")
    assert first.headers["Location"].endswith("/sign-in/setup")
    assert client.get(path).status_code == 410  # the link worked once


def test_bad_invitations_keep_what_was_typed(client, admin, make_user):
    make_user("coordinator", email="taken@example.org")
    missing = post(client, "/admin/staff/invite", {"email": "not-an-email", "name": "Kept Name"})
    body = missing.get_data(as_text=True)
    assert missing.status_code == 422 and 'value="Kept Name"' in body
    assert "Please choose one of the options shown." in body
    taken = post(client, "/admin/staff/invite", {"email": "taken@example.org",
                                                 "role": "coordinator"})
    assert taken.status_code == 422 and "already exists" in taken.get_data(as_text=True)


def test_a_coordinator_cannot_invite_staff_or_see_the_page(client, login_as):
    login_as("coordinator")
    assert client.get("/admin/staff").status_code == 403
    assert post(client, "/admin/staff/invite", {"email": "x@example.org",
                                                "role": "admin"}).status_code == 403


def test_deactivating_ends_every_session_of_theirs_at_once(app, client, admin, make_user):
    other = make_user("coordinator")
    with app.app_context():  # they are signed in somewhere
        now = utcnow()
        db.session.add(ServerSession(id="f" * 64, user_id=other.id, created_at=now,
                                     last_seen_at=now, expires_at=now + timedelta(hours=1)))
        db.session.commit()
    response = post(client, f"/admin/staff/{other.id}/deactivate", htmx=True)
    assert response.status_code == 200 and "deactivated" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, other.id)
        assert not user.is_enabled and user.session_epoch == other.session_epoch + 1
        assert db.session.execute(sa.select(ServerSession).where(
            ServerSession.user_id == other.id)).first() is None
        assert db.session.execute(sa.select(AuditEvent.action).where(
            AuditEvent.subject_id == str(other.id), AuditEvent.action == "deactivate")).scalar()


def test_a_deactivated_account_cannot_sign_in_until_reactivated(app, client, admin, make_user,
                                                                 auth):
    other = make_user("coordinator")
    post(client, f"/admin/staff/{other.id}/deactivate")
    auth.logout()
    assert auth.password_step(other.email).status_code == 422
    auth.login(admin.email)
    post(client, f"/admin/staff/{other.id}/reactivate")
    auth.logout()
    assert auth.login(other.email).status_code == 303


def test_the_last_active_admin_cannot_be_removed(app, client, admin, make_user, auth):
    second = make_user("admin")
    assert post(client, f"/admin/staff/{admin.id}/deactivate").status_code == 409  # not yourself
    assert post(client, f"/admin/staff/{second.id}/deactivate").status_code == 303
    auth.logout()
    auth.login(second.email)  # deactivated: refused
    with app.app_context():
        from portal.services import staff

        with pytest.raises(staff.Conflict):
            staff.deactivate(db.session, db.session.get(User, admin.id),
                             actor=db.session.get(User, second.id))


def test_resetting_a_second_step_signs_them_out_and_asks_for_it_again(app, client, admin,
                                                                       make_user, auth):
    other = make_user("coordinator")
    post(client, f"/admin/staff/{other.id}/reset-second-step")
    with app.app_context():
        assert db.session.get(User, other.id).mfa_enrolled_at is None
    auth.logout()
    assert auth.password_step(other.email).headers["Location"].endswith("/sign-in/setup")


def test_a_volunteer_is_not_a_staff_account(client, admin, make_user):
    volunteer = make_user("volunteer")
    assert post(client, f"/admin/staff/{volunteer.id}/deactivate").status_code == 404
