"""The signed-in user is read afresh at every request (one Core statement, `auth.loader`):
a change to the account between two requests counts at the second, whatever came before."""

from __future__ import annotations

import pytest

from portal.db import db
from portal.models import Role, User, VolunteerProfile, utcnow
from tests.conftest import HX, csrf_token


def toggle(client, token):
    return client.post("/volunteer/availability/cells/3", data={"on": "1"},
                       headers={**HX, "X-CSRFToken": token})


def change_account(app, profile: VolunteerProfile, **values) -> None:
    with app.app_context():
        user = db.session.get(User, profile.user_id)
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()


@pytest.mark.parametrize("change", [
    {"is_enabled": False},
    {"erased_at": utcnow()},
    {"session_epoch": 1},  # signed out everywhere (a password change, a reset, staff's action)
], ids=["disabled", "erased", "signed_out_everywhere"])
def test_an_account_changed_mid_session_is_refused_at_its_next_request(
        app, client, make_volunteer, sign_in, change):
    profile = sign_in(make_volunteer(availability_mask=0))
    token = csrf_token(client)
    assert toggle(client, token).status_code == 200
    change_account(app, profile, **change)
    refused = toggle(client, token)
    assert refused.status_code in (200, 204) and "HX-Redirect" in refused.headers
    assert "/sign-in" in refused.headers["HX-Redirect"]
    assert client.get("/volunteer/availability").status_code == 303


def test_a_role_taken_away_mid_session_counts_at_the_next_request(app, client, make_volunteer,
                                                                  sign_in):
    profile = sign_in(make_volunteer(availability_mask=0))
    token = csrf_token(client)
    assert toggle(client, token).status_code == 200
    change_account(app, profile, role=Role.PARTICIPANT)
    assert toggle(client, token).status_code == 403
    with app.app_context():
        assert db.session.get(VolunteerProfile, profile.id).availability_mask == 1 << 3


def test_the_identity_stands_for_its_account_within_a_request(app, make_volunteer):
    from portal.auth.loader import load_user

    profile = make_volunteer()
    with app.test_request_context():
        from flask import session

        session["_epoch"] = 0
        user = load_user(str(profile.user_id))
        account = db.session.get(User, profile.user_id)
        assert user == account and hash(user) == hash(account.id)
        assert user.role == Role.VOLUNTEER and user.has_role("volunteer")
        assert not user.has_role("coordinator")
        assert user.email == account.email  # anything else is the account's
        user.language = "fr"  # and written there
        assert account.language == "fr" and user.language == "fr"
        account.role = Role.PARTICIPANT  # once loaded, the account is what is read
        assert not user.has_role("volunteer")
        db.session.rollback()
        session["_epoch"] = 1
        assert load_user(str(profile.user_id)) is None
        assert load_user("not a uuid") is None
