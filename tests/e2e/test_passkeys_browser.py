"""Passkeys in a real browser: Chromium's virtual authenticator (DevTools' WebAuthn domain)
adds a passkey, signs in with it and confirms a removal through the real app server; without
JavaScript the code forms are the way in."""

from __future__ import annotations

import time

import pyotp
import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import AuditEvent, Passkey, User
from portal.services import passkeys
from tests.conftest import PASSWORD, STAFF_SECRETS
from tests.soft_authenticator import SoftAuthenticator

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def base(app, live_server):
    """The live server by name: browsers refuse an IP address as a passkey's RP ID."""
    url = live_server.replace("127.0.0.1", "localhost")
    app.config.update(WEBAUTHN_RP_ID="localhost", WEBAUTHN_ORIGIN=url)
    return url


@pytest.fixture
def authenticator(page):
    """A platform authenticator with user verification, as a laptop's fingerprint reader is."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True}})
    cdp.credentials = lambda: cdp.send("WebAuthn.getCredentials", {
        "authenticatorId": added["authenticatorId"]})["credentials"]
    return cdp


def problems(page) -> list[str]:
    """Console errors and policy violations; a 422 is the expected answer to a refusal."""
    return [text for text in page.console_problems if "status of 422" not in text]


def password_step(page, base, email):
    page.goto(base + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/sign-in/verify")


def code(email, steps_ahead=0) -> str:
    return pyotp.TOTP(STAFF_SECRETS[email]).at(time.time() + 30 * steps_ahead)


def test_a_coordinator_adds_a_passkey_and_signs_in_with_it(app, page, base, authenticator,
                                                          make_user):
    coordinator = make_user("coordinator")
    password_step(page, base, coordinator.email)
    assert not page.is_visible("text=Use your passkey")  # none registered yet
    page.fill("#code", code(coordinator.email))
    page.click("main button[type=submit]")
    page.wait_for_url("**/coordinator/")

    page.click(".account-nav >> text=Account")
    page.click("main >> text=Passkeys")
    page.wait_for_selector("text=No passkeys yet")
    page.fill("#passkey-label", "Work laptop")
    page.click("form[data-passkey=create] button[type=submit]")
    page.wait_for_selector("text=Passkey added")
    assert "Work laptop" in page.inner_text("#passkeys")
    assert len(authenticator.credentials()) == 1

    page.click("text=Sign out")
    page.wait_for_url(base + "/")
    password_step(page, base, coordinator.email)
    assert page.is_visible("text=Use your passkey")
    assert not page.is_visible(".passkey-unready")

    # A ceremony answered for another origin than the portal's is refused in place.
    app.config["WEBAUTHN_ORIGIN"] = "http://localhost:1"
    page.click("text=Use your passkey")
    page.wait_for_selector("#passkey-sign-in [data-passkey-error] >> text=did not work")
    assert "/sign-in/verify" in page.url
    app.config["WEBAUTHN_ORIGIN"] = base

    page.click("text=Use your passkey")
    page.wait_for_url("**/coordinator/")
    with app.app_context():
        (passkey,) = db.session.execute(sa.select(Passkey)).scalars().all()
        assert passkey.last_used_at is not None and passkey.user_id == coordinator.id
        used = passkey.sign_count
        events = db.session.execute(sa.select(AuditEvent.action, AuditEvent.detail)
                                    .where(AuditEvent.action.like("passkey%"))
                                    .order_by(AuditEvent.id)).all()
    assert [tuple(e) for e in events] == [
        ("passkey_added", str(passkey.id)), ("passkey_fail", "invalid"),
        ("passkey_ok", str(passkey.id))]

    # Removing it: the confirmation swaps into its row, and the passkey itself confirms.
    page.goto(base + "/account/passkeys")
    page.evaluate("window.portalMarker = 'same page'")
    page.click("#passkeys >> text=Remove")
    page.wait_for_selector(".passkey-confirm >> text=Or confirm with a passkey")
    assert page.evaluate("window.portalMarker") == "same page"
    page.click("text=Or confirm with a passkey")
    page.wait_for_selector("text=Passkey removed")
    assert "No passkeys yet" in page.inner_text("#passkeys")
    assert authenticator.credentials()[0]["signCount"] >= used
    assert problems(page) == []


def test_without_javascript_the_codes_still_sign_in_and_remove(app, page, base, make_user):
    coordinator = make_user("coordinator")
    device = SoftAuthenticator(base)
    with app.app_context():
        user = db.session.get(User, coordinator.id)
        party = passkeys.RelyingParty.from_config(app.config)
        ceremony = passkeys.registration_options(db.session, user, party)
        passkeys.register(db.session, user, party, ceremony.state, device.create(ceremony.options),
                          "Old phone")
        db.session.commit()
    context = page.context.browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    password_step(plain, base, coordinator.email)
    assert not plain.is_visible("text=Use your passkey")
    assert plain.is_visible("text=Your passkey needs a browser with JavaScript")
    plain.fill("#code", code(coordinator.email))
    plain.click("form[action$='/sign-in/verify'] button[type=submit]")
    plain.wait_for_url("**/coordinator/")

    plain.goto(base + "/account/passkeys")
    assert not plain.is_visible("#passkey-label")
    assert plain.is_visible("text=Adding a passkey needs a browser with JavaScript")
    plain.click("#passkeys >> text=Remove")
    plain.wait_for_url("**/remove")
    assert not plain.is_visible("text=Or confirm with a passkey")
    plain.fill("#code", code(coordinator.email, steps_ahead=1))
    plain.click("text=Remove it")
    plain.wait_for_selector("text=Passkey removed")
    with app.app_context():
        assert db.session.execute(sa.select(Passkey)).first() is None
    context.close()
