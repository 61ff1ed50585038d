"""Passkeys through the views: the second sign-in step, and adding and removing them."""

import json
import re

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import AuditEvent, Passkey
from tests.conftest import HX, csrf_token
from tests.soft_authenticator import SoftAuthenticator, tampered

ORIGIN = "https://portal.test"  # the test config's PUBLIC_URL
STAFF = ("coordinator",)
ACCESS = {
    "auth.passkey_sign_in_options": "public",
    "auth.passkey_sign_in": "public",
    "auth.passkeys_page": STAFF,
    "auth.passkey_register_options": STAFF,
    "auth.passkey_register": STAFF,
    "auth.passkey_remove": STAFF,
    "auth.passkey_confirm_options": STAFF,
    "auth.passkey_remove_confirmed": STAFF,
}
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def post_json(client, url, body=None, headers=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json",
                       headers={"X-CSRFToken": csrf_token(client), **(headers or {})})


@pytest.fixture
def device():
    return SoftAuthenticator(ORIGIN)


@pytest.fixture
def add_passkey(client, device):
    """add_passkey(label) → the JSON answer of registering ``device`` for whoever is signed in."""

    def add(label="Work laptop", other=None):
        options = post_json(client, "/account/passkeys/options")
        assert options.status_code == 200, options.get_data(as_text=True)
        answer = (other or device).create(options.get_data(as_text=True))
        return post_json(client, "/account/passkeys", {"label": label, "credential": answer})

    return add


@pytest.fixture
def with_passkey(login_as, auth, add_passkey):
    """A coordinator with one passkey, signed out again (back at the start)."""
    user = login_as("coordinator")
    assert add_passkey().status_code == 200
    auth.logout()
    return user


def passkey_sign_in(client, device, **bend):
    options = post_json(client, "/sign-in/passkey/options")
    assert options.status_code == 200, options.get_data(as_text=True)
    answer = device.get(options.get_data(as_text=True), **bend)
    return post_json(client, "/sign-in/passkey", {"credential": answer})


def stored(app):
    with app.app_context():
        return db.session.execute(sa.select(Passkey)).scalars().all()


def actions(app):
    with app.app_context():
        return list(db.session.execute(sa.select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


def requests_for(app, endpoint, sample=UNKNOWN):
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules(endpoint):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, adapter.build(endpoint, dict.fromkeys(rule.arguments, sample), method=method)


# ---------------------------------------------------------------- who may open what

def test_every_passkey_route_is_listed_with_the_access_it_declares(app):
    ours = {rule.endpoint for rule in app.url_map.iter_rules()
            if app.view_functions[rule.endpoint].__module__ == "portal.auth.passkey_views"}
    assert ours == set(ACCESS)
    for endpoint, expected in ACCESS.items():
        assert app.view_functions[endpoint].access == expected, endpoint


@pytest.mark.parametrize("endpoint", [e for e, a in ACCESS.items() if a == STAFF])
def test_strangers_are_sent_to_sign_in_and_members_get_403(app, client, login_as, endpoint):
    for method, url in requests_for(app, endpoint):
        plain = client.open(url, method=method, data={"csrf_token": csrf_token(client)})
        assert plain.status_code in (302, 303) and "/sign-in" in plain.headers["Location"]
        htmx = client.open(url, method=method, headers={**HX, "X-CSRFToken": csrf_token(client)})
        assert htmx.status_code == 204 and "/sign-in" in htmx.headers["HX-Redirect"]
    for role in ("volunteer", "participant"):
        login_as(role)
        for method, url in requests_for(app, endpoint):
            assert client.open(url, method=method, data={"csrf_token": csrf_token(client)}
                               ).status_code == 403
        client.post("/sign-out", data={"csrf_token": csrf_token(client)})


def test_the_passkey_step_needs_the_password_step_first(client, device):
    for url in ("/sign-in/passkey/options", "/sign-in/passkey"):
        response = post_json(client, url, {"credential": {}})
        assert response.status_code == 401 and response.json == {"location": "/sign-in"}


def test_without_a_passkey_there_is_no_passkey_challenge(client, make_user, auth):
    auth.password_step(make_user("coordinator").email)
    response = post_json(client, "/sign-in/passkey/options")
    assert response.status_code == 422 and "no passkey" in response.json["error"]


def test_someone_elses_passkey_is_not_found(client, login_as, with_passkey, app, auth):
    theirs = stored(app)[0]
    login_as("coordinator")
    assert client.get(f"/account/passkeys/{theirs.id}/remove").status_code == 404
    assert post_json(client, f"/account/passkeys/{theirs.id}/remove/passkey").status_code == 404


# ---------------------------------------------------------------- the second sign-in step

def test_the_code_step_offers_the_passkey_only_to_those_who_have_one(client, make_user, auth,
                                                                       with_passkey):
    auth.password_step(make_user("coordinator").email)
    page = client.get("/sign-in/verify").get_data(as_text=True)
    assert "Use your passkey" not in page and 'name="code"' in page
    auth.logout()
    auth.password_step(with_passkey.email)
    page = client.get("/sign-in/verify").get_data(as_text=True)
    assert "Use your passkey" in page and "js/passkeys.js" in page
    # Without JavaScript or WebAuthn the button stays hidden, a sentence says why, the code form stays.
    assert 'class="passkey-ready"' in page and "passkey-unready" in page and 'name="code"' in page
    assert "<script>" not in page  # nothing inline: the policy forbids it


def test_a_passkey_completes_sign_in_and_keeps_the_page_asked_for(app, client, auth, with_passkey,
                                                                  device):
    auth.password_step(with_passkey.email, query_string={"next": "/notifications/"})
    response = passkey_sign_in(client, device)
    assert response.status_code == 200 and response.json == {"location": "/notifications/"}
    assert client.get("/notifications/").status_code == 200
    assert actions(app)[-1] == "passkey_ok"
    (passkey,) = stored(app)
    assert passkey.sign_count == 1 and passkey.last_used_at is not None


def test_the_challenge_is_used_once(app, client, auth, with_passkey, device):
    auth.password_step(with_passkey.email)
    options = post_json(client, "/sign-in/passkey/options").get_data(as_text=True)
    answer = device.get(options)
    bad = post_json(client, "/sign-in/passkey", {"credential": tampered(answer, "signature")})
    assert bad.status_code == 422 and "did not work" in bad.json["error"]
    # The right answer to the same challenge comes too late: the challenge is spent.
    assert post_json(client, "/sign-in/passkey", {"credential": answer}).status_code == 422
    assert client.get("/notifications/").status_code == 303  # still signed out
    assert passkey_sign_in(client, device).status_code == 200
    assert actions(app)[-3:] == ["passkey_fail", "passkey_fail", "passkey_ok"]


def test_an_answer_for_another_origin_is_refused(client, auth, with_passkey, device):
    auth.password_step(with_passkey.email)
    response = passkey_sign_in(client, device, origin="https://portal.test.evil.example")
    assert response.status_code == 422
    assert client.get("/notifications/").status_code == 303


# ---------------------------------------------------------------- the passkeys page

def test_the_page_lists_passkeys_with_their_dates_as_a_page_and_a_fragment(client, login_as,
                                                                          add_passkey):
    login_as("admin")
    assert "No passkeys yet" in client.get("/account/passkeys").get_data(as_text=True)
    added = add_passkey("Blue key")
    assert added.status_code == 200 and added.json == {"location": "/account/passkeys"}
    page = client.get("/account/passkeys").get_data(as_text=True)
    assert "<html" in page and "Passkey added" in page and "Blue key" in page
    assert "not used yet" in page and "Added " in page
    fragment = client.get("/account/passkeys", headers=HX)
    assert fragment.get_data(as_text=True).startswith('<div id="passkeys">')
    assert "HX-Request" in fragment.headers["Vary"]


def test_a_passkey_needs_a_name_and_its_own_challenge(app, client, login_as, add_passkey, device):
    login_as("coordinator")
    response = add_passkey(label=" ")
    assert response.status_code == 422 and "name" in response.json["error"]
    # Without asking for options first there is no challenge to answer.
    response = post_json(client, "/account/passkeys", {"label": "Laptop", "credential": {}})
    assert response.status_code == 422
    assert stored(app) == []


def test_a_name_is_shown_as_typed_never_as_markup(client, login_as, add_passkey):
    login_as("coordinator")
    add_passkey("<b>mine</b>")
    page = client.get("/account/passkeys").get_data(as_text=True)
    assert "<b>mine</b>" not in page and "&lt;b&gt;mine&lt;/b&gt;" in page
    remove = client.get(re.search(r'href="(/account/passkeys/[^"]+/remove)"', page).group(1))
    remove = remove.get_data(as_text=True)
    assert "<b>mine</b>" not in remove and "&lt;b&gt;mine&lt;/b&gt;" in remove


def test_the_same_authenticator_is_not_added_twice(client, login_as, add_passkey):
    login_as("coordinator")
    assert add_passkey().status_code == 200
    options = json.loads(post_json(client, "/account/passkeys/options").get_data(as_text=True))
    assert len(options["excludeCredentials"]) == 1
    assert add_passkey().status_code == 422


def test_removing_needs_a_current_code(app, client, auth, login_as, add_passkey):
    user = login_as("coordinator")
    add_passkey()
    (passkey,) = stored(app)
    url = f"/account/passkeys/{passkey.id}/remove"
    page = client.get(url).get_data(as_text=True)
    assert "<html" in page and "Remove “Work laptop”?" in page
    fragment = client.get(url, headers=HX).get_data(as_text=True)
    assert fragment.startswith('<div class="passkey-confirm"') and "Or confirm with a passkey" in fragment
    wrong = client.post(url, data={"code": "000000", "csrf_token": csrf_token(client)})
    assert wrong.status_code == 422 and "<html" in wrong.get_data(as_text=True)
    wrong = client.post(url, data={"code": "000000"},
                        headers={**HX, "X-CSRFToken": csrf_token(client)})
    assert wrong.status_code == 422 and wrong.get_data(as_text=True).startswith('<div class="passkey-confirm"')
    assert len(stored(app)) == 1
    done = client.post(url, data={"code": auth.totp(user.email)},
                       headers={**HX, "X-CSRFToken": csrf_token(client)})
    assert done.status_code == 204 and done.headers["HX-Redirect"] == "/account/passkeys"
    assert stored(app) == [] and actions(app)[-2:] == ["mfa_ok", "passkey_removed"]


def test_removing_may_be_confirmed_with_a_passkey(app, client, login_as, add_passkey, device):
    login_as("coordinator")
    add_passkey()
    spare = SoftAuthenticator(ORIGIN)
    add_passkey("Spare key", other=spare)
    first = stored(app)[0]
    options = post_json(client, "/account/passkeys/confirm/options").get_data(as_text=True)
    # A sign-in challenge is not a confirmation one, and this one is for the spare key's answer.
    done = post_json(client, f"/account/passkeys/{first.id}/remove/passkey",
                     {"credential": spare.get(options)})
    assert done.status_code == 200 and done.json == {"location": "/account/passkeys"}
    assert [p.label for p in stored(app)] == ["Spare key"]
    assert actions(app)[-2:] == ["passkey_ok", "passkey_removed"]


def test_a_failed_passkey_confirmation_removes_nothing(app, client, login_as, add_passkey, device):
    login_as("coordinator")
    add_passkey()
    (passkey,) = stored(app)
    options = post_json(client, "/account/passkeys/confirm/options").get_data(as_text=True)
    response = post_json(client, f"/account/passkeys/{passkey.id}/remove/passkey",
                         {"credential": tampered(device.get(options), "signature")})
    assert response.status_code == 422 and len(stored(app)) == 1
    assert actions(app)[-1] == "passkey_fail"


def test_reset_mfa_forgets_the_passkeys_too(app, with_passkey):
    result = app.test_cli_runner().invoke(args=["reset-mfa", "--email", with_passkey.email])
    assert result.exit_code == 0 and stored(app) == []
