"""The second sign-in step for staff."""


import pyotp

from portal.db import db
from portal.models import AuditEvent, User
from tests.conftest import STAFF_SECRETS, csrf_token


def post_code(client, code, url="/sign-in/verify"):
    return client.post(url, data={"code": code, "csrf_token": csrf_token(client)})


def test_the_password_alone_does_not_sign_staff_in(client, make_user, auth):
    user = make_user("coordinator")
    response = auth.password_step(user.email)
    assert response.headers["Location"].endswith("/sign-in/verify")
    assert client.get("/notifications/").status_code == 303  # still signed out


def test_a_right_code_completes_sign_in(client, make_user, auth):
    user = make_user("coordinator")
    auth.password_step(user.email)
    response = post_code(client, pyotp.TOTP(STAFF_SECRETS[user.email]).now())
    assert response.status_code == 303 and response.headers["Location"].endswith("/home")
    assert client.get("/notifications/").status_code == 200


def test_a_wrong_code_is_refused_in_plain_words(client, make_user, auth):
    user = make_user("admin")
    auth.password_step(user.email)
    response = post_code(client, "000000")
    assert response.status_code == 422 and "did not work" in response.get_data(as_text=True)


def test_a_used_code_cannot_be_replayed(app, client, make_user, auth):
    user = make_user("coordinator")
    code = pyotp.TOTP(STAFF_SECRETS[user.email]).now()
    auth.password_step(user.email)
    post_code(client, code)
    auth.logout()
    auth.password_step(user.email)
    assert post_code(client, code).status_code == 422


def test_a_code_of_other_characters_is_refused_not_a_crash(client, make_user, auth):
    """Found by the hostile-input walk: non-ASCII letters reached compare_digest (a 500)."""
    for enrolled, url in ((True, "/sign-in/verify"), (False, "/sign-in/setup")):
        user = make_user("coordinator", **({} if enrolled else {"mfa_enrolled_at": None}))
        auth.password_step(user.email)
        response = post_code(client, "12º345ü", url=url)
        assert response.status_code == 422 and "did not" in response.get_data(as_text=True)


def test_the_code_step_cannot_be_reached_without_the_password(client):
    assert client.get("/sign-in/verify").status_code == 303


def test_first_sign_in_sets_up_the_app_and_shows_recovery_codes_once(app, client, make_user, auth):
    user = make_user("coordinator", mfa_enrolled_at=None)
    first = auth.password_step(user.email)
    assert first.headers["Location"].endswith("/sign-in/setup")
    page = client.get("/sign-in/setup").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    key = page.split("<code>")[1].split("</code>")[0].replace(" ", "")
    done = post_code(client, pyotp.TOTP(key).now(), url="/sign-in/setup")
    assert done.headers["Location"].endswith("/sign-in/recovery-codes")
    codes_page = client.get("/sign-in/recovery-codes").get_data(as_text=True)
    assert codes_page.count("<li><code>") == 10
    assert client.get("/sign-in/recovery-codes").status_code == 303  # shown once
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored.mfa_enrolled_at is not None and stored.totp_secret == key


def test_a_recovery_code_works_once(app, client, make_user, auth):
    from portal.services import mfa

    user = make_user("coordinator", mfa_enrolled_at=None)
    with app.app_context():
        stored = db.session.get(User, user.id)
        secret = mfa.new_secret()
        codes = mfa.enrol(db.session, stored, secret, pyotp.TOTP(secret).now())
        db.session.commit()
    auth.password_step(user.email)
    assert post_code(client, codes[0]).status_code == 303
    auth.logout()
    auth.password_step(user.email)
    assert post_code(client, codes[0]).status_code == 422


def test_the_seed_is_encrypted_at_rest(app, make_user):
    import sqlalchemy as sa

    user = make_user("admin")
    with app.app_context():
        raw = db.session.execute(sa.text("SELECT totp_secret_ct FROM user_account")).scalar()
    assert STAFF_SECRETS[user.email].encode() not in bytes(raw)


def test_code_failures_are_audited(app, client, make_user, auth):
    user = make_user("coordinator")
    auth.password_step(user.email)
    post_code(client, "123456")
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="mfa_fail").count() == 1


def test_participants_and_volunteers_sign_in_with_a_password(make_user, auth):
    user = make_user("volunteer")
    assert not auth.password_step(user.email).headers["Location"].endswith("/sign-in/verify")


def test_reset_mfa_command_ends_sessions_and_asks_for_setup_again(app, make_user, auth):
    user = make_user("coordinator")
    result = app.test_cli_runner().invoke(args=["reset-mfa", "--email", user.email])
    assert result.exit_code == 0
    assert auth.password_step(user.email).headers["Location"].endswith("/sign-in/setup")
