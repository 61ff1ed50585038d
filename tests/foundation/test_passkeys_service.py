"""Passkey ceremonies called directly: what is kept, what is refused, what the audit says."""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from webauthn.helpers import bytes_to_base64url as b64

from portal.config import ConfigError, passkey_party
from portal.models import AuditEvent, Passkey, User, utcnow
from portal.services import mfa, passkeys, second_factor
from portal.services.passkeys import PasskeyRefused, RelyingParty
from tests.soft_authenticator import SoftAuthenticator, tampered

PARTY = RelyingParty(id="portal.test", origin="https://portal.test")


@pytest.fixture
def staff(make_user, session):
    return session.get(User, make_user("coordinator").id)


@pytest.fixture
def device():
    return SoftAuthenticator(PARTY.origin)


@pytest.fixture
def register(session, staff, device):
    """register(device=None, label=...) → a Passkey of ``staff`` kept through the real ceremony."""

    def run(other=None, label="Work laptop"):
        ceremony = passkeys.registration_options(session, staff, PARTY)
        return passkeys.register(session, staff, PARTY, ceremony.state,
                                 (other or device).create(ceremony.options), label)

    return run


def sign_in(session, user, answer_of, purpose=passkeys.SIGN_IN):
    """One sign-in ceremony: options, then ``answer_of(options)`` through check_passkey."""
    ceremony = passkeys.authentication_options(session, user, PARTY, purpose)
    return second_factor.check_passkey(session, user, PARTY, ceremony.state,
                                       answer_of(ceremony.options), purpose=purpose)


def audit_rows(session) -> list[tuple[str, str | None]]:
    return [tuple(row) for row in session.execute(
        sa.select(AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.id))]


# ---------------------------------------------------------------- registration

def test_registration_options_come_from_the_config_and_prefer_user_verification(session, staff):
    ceremony = passkeys.registration_options(session, staff, PARTY, now=1000.0)
    options = json.loads(ceremony.options)
    assert options["rp"] == {"id": "portal.test", "name": "Member portal"}
    assert options["user"]["name"] == "Staff sign-in"  # neutral, like the app's entry
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["attestation"] == "none"
    assert ceremony.state == {"purpose": "register", "user": str(staff.id),
                              "challenge": options["challenge"],
                              "expires": 1000.0 + passkeys.CHALLENGE_SECONDS}


def test_a_registered_passkey_is_kept_with_its_label_and_audited_by_id(session, staff, register):
    passkey = register(label="  Blue   key ")
    assert (passkey.label, passkey.sign_count, passkey.transports) == ("Blue key", 0, "internal")
    assert passkeys.list_for(session, staff) == [passkey] and passkey.last_used_at is None
    assert audit_rows(session)[-1] == ("passkey_added", str(passkey.id))


def test_registered_passkeys_are_excluded_from_the_next_registration(session, staff, register):
    first = register()
    options = json.loads(passkeys.registration_options(session, staff, PARTY).options)
    assert [c["id"] for c in options["excludeCredentials"]] == \
        [b64(first.credential_id)]


def test_staff_without_the_authenticator_app_cannot_register(session, make_user):
    user = session.get(User, make_user("coordinator", mfa_enrolled_at=None).id)
    with pytest.raises(PasskeyRefused):
        passkeys.registration_options(session, user, PARTY)


def test_participants_cannot_register(session, make_user):
    user = session.get(User, make_user("participant").id)
    with pytest.raises(PasskeyRefused):
        passkeys.registration_options(session, user, PARTY)


@pytest.mark.parametrize("bend", [
    dict(origin="https://portal.test.evil.example"),
    dict(origin="http://portal.test"),
    dict(rp_id="evil.example"),
])
def test_registration_from_another_origin_or_for_another_rp_is_refused(session, staff, device, bend):
    ceremony = passkeys.registration_options(session, staff, PARTY)
    with pytest.raises(PasskeyRefused):
        passkeys.register(session, staff, PARTY, ceremony.state,
                          device.create(ceremony.options, **bend), "Laptop")
    assert passkeys.list_for(session, staff) == []


def test_registration_needs_its_own_unexpired_challenge(session, staff, device, make_user):
    other = session.get(User, make_user("coordinator").id)
    ceremony = passkeys.registration_options(session, staff, PARTY, now=1000.0)
    answer = device.create(ceremony.options)
    late = 1000.0 + passkeys.CHALLENGE_SECONDS
    with pytest.raises(PasskeyRefused, match="too long"):
        passkeys.register(session, staff, PARTY, ceremony.state, answer, "Laptop", now=late)
    with pytest.raises(PasskeyRefused):  # issued to someone else
        passkeys.register(session, other, PARTY, ceremony.state, answer, "Laptop", now=1001.0)
    with pytest.raises(PasskeyRefused):  # a challenge for another ceremony
        passkeys.register(session, staff, PARTY, {**ceremony.state, "purpose": "sign_in"},
                          answer, "Laptop", now=1001.0)
    with pytest.raises(PasskeyRefused):
        passkeys.register(session, staff, PARTY, None, answer, "Laptop", now=1001.0)
    assert passkeys.list_for(session, staff) == []


@pytest.mark.parametrize("label", ["", "   ", "x" * 61, None, {"name": "Laptop"}])
def test_a_passkey_needs_a_short_name(session, staff, device, label):
    ceremony = passkeys.registration_options(session, staff, PARTY)
    with pytest.raises(PasskeyRefused, match="name"):
        passkeys.register(session, staff, PARTY, ceremony.state, device.create(ceremony.options), label)


def test_the_same_passkey_cannot_be_registered_twice(session, register):
    register()
    with pytest.raises(PasskeyRefused, match="already"):
        register()


@pytest.mark.parametrize("answer", [None, "not json", {}, {"id": "x", "rawId": "x"}])
def test_a_malformed_registration_answer_is_refused(session, staff, answer):
    ceremony = passkeys.registration_options(session, staff, PARTY)
    with pytest.raises(PasskeyRefused):
        passkeys.register(session, staff, PARTY, ceremony.state, answer, "Laptop")


def test_the_audit_never_holds_key_material(session, staff, register, device):
    passkey = register()
    assert sign_in(session, staff, device.get)
    words = json.dumps([[getattr(e, c.name) for c in AuditEvent.__table__.columns]
                        for e in session.execute(sa.select(AuditEvent)).scalars()], default=str)
    for secret in (passkey.credential_id, passkey.public_key):
        assert b64(secret) not in words and secret.hex() not in words
    assert "Work laptop" not in words


# ---------------------------------------------------------------- signing in

def test_a_passkey_signs_in_moves_its_counter_and_clears_failures(session, staff, register, device):
    passkey = register()
    staff.failed_logins = 3
    assert sign_in(session, staff, device.get)
    assert (passkey.sign_count, staff.failed_logins) == (1, 0) and passkey.last_used_at
    assert audit_rows(session)[-1] == ("passkey_ok", str(passkey.id))


def test_sign_in_options_allow_only_the_persons_passkeys(session, staff, register, make_user):
    nobody = session.get(User, make_user("coordinator").id)
    mine = register()
    options = json.loads(passkeys.authentication_options(session, staff, PARTY).options)
    assert options["rpId"] == "portal.test" and options["userVerification"] == "preferred"
    assert [c["id"] for c in options["allowCredentials"]] == \
        [b64(mine.credential_id)]
    with pytest.raises(PasskeyRefused):
        passkeys.authentication_options(session, nobody, PARTY)


@pytest.mark.parametrize("bend", [
    dict(origin="https://evil.example"),
    dict(origin="https://portal.test:8443"),
    dict(rp_id="evil.example"),
])
def test_an_answer_from_another_origin_or_rp_is_refused(session, staff, register, device, bend):
    register()
    assert not sign_in(session, staff, lambda options: device.get(options, **bend))
    assert staff.failed_logins == 1 and audit_rows(session)[-1] == ("passkey_fail", "invalid")


@pytest.mark.parametrize("field", ["signature", "authenticatorData", "clientDataJSON"])
def test_a_tampered_answer_is_refused(session, staff, register, device, field):
    register()
    assert not sign_in(session, staff, lambda options: tampered(device.get(options), field))
    assert audit_rows(session)[-1][0] == "passkey_fail"


def test_a_replayed_answer_is_refused(session, staff, register, device):
    register()
    ceremony = passkeys.authentication_options(session, staff, PARTY)
    answer = device.get(ceremony.options)
    assert second_factor.check_passkey(session, staff, PARTY, ceremony.state, answer)
    # The same answer again, even with its challenge (a view takes the state back only once):
    assert not second_factor.check_passkey(session, staff, PARTY, ceremony.state, answer)
    # and against a fresh challenge it signed nothing of.
    fresh = passkeys.authentication_options(session, staff, PARTY)
    assert not second_factor.check_passkey(session, staff, PARTY, fresh.state, answer)


def test_a_counter_that_goes_backwards_is_refused(session, staff, register, device):
    passkey = register()
    assert sign_in(session, staff, lambda options: device.get(options, counter=7))
    assert not sign_in(session, staff, lambda options: device.get(options, counter=7))
    assert not sign_in(session, staff, lambda options: device.get(options, counter=3))
    assert passkey.sign_count == 7
    assert sign_in(session, staff, lambda options: device.get(options, counter=8))


def test_an_authenticator_without_a_counter_keeps_signing_in(session, staff, register):
    device = SoftAuthenticator(PARTY.origin, counts=False)
    passkey = register(device)
    assert sign_in(session, staff, device.get) and sign_in(session, staff, device.get)
    assert passkey.sign_count == 0


def test_someone_elses_passkey_does_not_sign_me_in(session, staff, register, device, make_user):
    other = session.get(User, make_user("coordinator").id)
    register()
    theirs = SoftAuthenticator(PARTY.origin)
    ceremony = passkeys.registration_options(session, other, PARTY)
    passkeys.register(session, other, PARTY, ceremony.state, theirs.create(ceremony.options), "Theirs")
    assert not sign_in(session, staff, theirs.get)
    assert audit_rows(session)[-1] == ("passkey_fail", "unknown_passkey")


def test_an_answer_naming_another_account_is_refused(session, staff, register, device):
    register()

    def naming(handle: bytes):
        def answer_of(options):
            answer = device.get(options)
            answer["response"]["userHandle"] = b64(handle)
            return answer
        return answer_of

    assert not sign_in(session, staff, naming(b"someone else"))
    assert audit_rows(session)[-1] == ("passkey_fail", "other_user")
    assert sign_in(session, staff, naming(staff.id.bytes))


def test_a_sign_in_challenge_does_not_confirm_a_change(session, staff, register, device):
    register()
    ceremony = passkeys.authentication_options(session, staff, PARTY, passkeys.SIGN_IN)
    assert not second_factor.check_passkey(session, staff, PARTY, ceremony.state,
                                           device.get(ceremony.options), purpose=passkeys.CONFIRM)


def test_an_expired_challenge_is_refused(session, staff, register, device):
    register()
    ceremony = passkeys.authentication_options(session, staff, PARTY, now=1000.0)
    with pytest.raises(PasskeyRefused, match="too long"):
        passkeys.verify(session, staff, PARTY, ceremony.state, device.get(ceremony.options),
                        now=1000.0 + passkeys.CHALLENGE_SECONDS)


def test_a_resting_account_is_refused_even_its_passkey_without_counting_it(session, staff, register,
                                                                            device):
    passkey = register()
    staff.locked_until = utcnow() + timedelta(minutes=5)
    assert not sign_in(session, staff, device.get)
    assert staff.failed_logins == 0 and passkey.last_used_at is None
    assert audit_rows(session)[-1] == ("passkey_fail", "resting")


def test_passkey_failures_share_the_code_failure_counter(session, staff, register, device):
    register()
    staff.failed_logins = 5
    assert not sign_in(session, staff, lambda options: tampered(device.get(options), "signature"))
    assert staff.failed_logins == 6 and staff.locked_until is not None  # the growing delay


# ---------------------------------------------------------------- removing and resetting

def test_removing_a_passkey_is_audited_by_id(session, staff, register):
    passkey = register()
    passkeys.remove(session, staff, passkey)
    session.flush()
    assert passkeys.list_for(session, staff) == []
    assert audit_rows(session)[-1] == ("passkey_removed", str(passkey.id))


def test_a_passkey_is_found_only_by_its_owner(session, staff, register, make_user):
    other = session.get(User, make_user("coordinator").id)
    passkey = register()
    assert passkeys.get_for(session, staff, passkey.id) is passkey
    assert passkeys.get_for(session, other, passkey.id) is None


def test_resetting_the_second_step_forgets_the_passkeys(session, staff, register):
    register()
    mfa.reset(session, staff)
    session.flush()
    assert session.execute(sa.select(sa.func.count()).select_from(Passkey)).scalar() == 0


# ---------------------------------------------------------------- configuration

@pytest.mark.parametrize(("public_url", "rp_id", "origin"), [
    ("https://portal.example.org", "portal.example.org", "https://portal.example.org"),
    ("https://portal.example.org/", "portal.example.org", "https://portal.example.org"),
    ("https://portal.example.org:8443/x", "portal.example.org", "https://portal.example.org:8443"),
    ("http://127.0.0.1:5000", "localhost", "http://localhost:5000"),
    ("http://localhost:5000", "localhost", "http://localhost:5000"),
])
def test_the_relying_party_comes_from_the_public_url(public_url, rp_id, origin):
    assert passkey_party(public_url) == (rp_id, origin)


def test_the_relying_party_may_be_set_and_must_fit_the_origin():
    assert passkey_party("https://x.test", "example.org", "https://portal.example.org") == \
        ("example.org", "https://portal.example.org")
    with pytest.raises(ConfigError, match="WEBAUTHN_RP_ID"):
        passkey_party("https://portal.example.org", "other.example")
    with pytest.raises(ConfigError, match="WEBAUTHN_RP_ID"):
        passkey_party("https://badexample.org", "example.org")


def test_the_app_reads_its_relying_party_from_config(app):
    assert RelyingParty.from_config(app.config) == PARTY
