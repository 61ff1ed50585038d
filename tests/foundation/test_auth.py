"""Signing in and out, roles, and server-side sessions."""

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from portal.auth.loader import safe_next
from portal.db import db
from portal.models import AuditEvent, ServerSession, User
from tests.conftest import HX, PASSWORD


def session_cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_signing_in_goes_home(make_user, auth):
    user = make_user("coordinator")
    response = auth.login(user.email)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/home")


def test_a_wrong_password_says_so_without_telling_whether_the_account_exists(make_user, auth):
    user = make_user("participant")
    wrong = auth.login(user.email, "not the password at all")
    unknown = auth.login("nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 422
    assert "do not match" in wrong.get_data(as_text=True)
    assert wrong.get_data(as_text=True).count("do not match") == unknown.get_data(as_text=True).count("do not match")


def test_the_typed_email_is_kept_after_a_failed_sign_in(make_user, auth):
    user = make_user("participant")
    page = auth.login(user.email, "wrong password here").get_data(as_text=True)
    assert f'value="{user.email}"' in page


def test_the_session_id_is_renewed_at_sign_in(make_user, client, auth):
    user = make_user("volunteer")
    client.get("/sign-in")
    before = session_cookie(client)
    auth.login(user.email)
    after = session_cookie(client)
    assert before and after and before != after


def test_sign_out_ends_the_session_on_the_server(app, make_user, client, auth):
    user = make_user("participant")
    auth.login(user.email)
    stolen = session_cookie(client)
    auth.logout()
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(ServerSession)
                                  .where(ServerSession.user_id == user.id)).scalar() == 0
    client.set_cookie("session", stolen)
    assert client.get("/notifications/").status_code == 303


def test_sign_out_asks_the_browser_to_forget_what_it_kept(make_user, auth):
    auth.login(make_user("participant").email)
    assert "storage" in auth.logout().headers["Clear-Site-Data"]


def test_the_session_cookie_is_http_only_and_same_site_lax(make_user, client, auth):
    response = auth.login(make_user("participant").email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_data_is_encrypted_in_the_database(app, make_user, client, auth):
    user = make_user("participant")
    auth.login(user.email)
    with app.app_context():
        raw = db.session.execute(sa.text("SELECT data_ct FROM server_session")).scalars().all()
    assert raw and all(str(user.id).encode() not in bytes(value) for value in raw)


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 303
    assert "/sign-in?next=/notifications/" in response.headers["Location"]


def test_an_anonymous_htmx_request_gets_hx_redirect(client):
    response = client.get("/notifications/", headers=HX)
    assert response.headers["HX-Redirect"].startswith("/sign-in")


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(make_user, client, auth):
    user = make_user("participant")
    ok = auth.login(user.email, query_string={"next": "/notifications/"})
    assert ok.headers["Location"].endswith("/notifications/")
    auth.logout()
    evil = auth.login(user.email, query_string={"next": "//evil.example/"})
    assert evil.headers["Location"].endswith("/home")


LEADING_AWAY = ["//evil.example/", "/\t/evil.example", "/\n/evil.example", "/\\evil.example",
                "\\/evil.example", "https://evil.example/", "javascript:alert(1)", " /x",
                "/\r\nSet-Cookie: x=1", "///evil.example", "/\x00/x"]


@pytest.mark.parametrize("target", LEADING_AWAY)
def test_sign_in_never_leads_away_nor_fails_on_a_crafted_next(make_user, auth, target):
    user = make_user("participant")
    response = auth.login(user.email, query_string={"next": target})
    assert response.status_code == 303
    assert response.headers["Location"] in ("/home", "http://localhost/home")


@pytest.mark.parametrize("target", LEADING_AWAY[:6])
def test_staff_sign_in_never_leads_away_after_the_second_step(make_user, auth, target):
    user = make_user("coordinator")
    response = auth.login(user.email, query_string={"next": target})
    assert response.status_code == 303
    assert "evil" not in response.headers["Location"]


@given(st.text(max_size=40))
def test_a_next_accepted_is_a_local_path_however_a_browser_reads_it(target):
    accepted = safe_next(target)
    if accepted is not None:
        as_browser_reads = accepted.replace("\\", "/")
        for ch in "\t\n\r":
            as_browser_reads = as_browser_reads.replace(ch, "")
        parts = urlsplit(as_browser_reads)
        assert not parts.scheme and not parts.netloc
        assert as_browser_reads.startswith("/") and not as_browser_reads.startswith("//")


def test_a_local_next_keeps_its_query():
    assert safe_next("/coordinator/intakes?state=waiting#top") == \
        "/coordinator/intakes?state=waiting#top"


def test_passwords_are_stored_as_argon2id(app, make_user, production_argon2):
    from portal.services.accounts import create_user

    with app.app_context():
        user = create_user(db.session, email="new@example.org", password=PASSWORD, role="participant")
        assert user.password_hash.startswith("$argon2id$")
        assert "m=65536,t=3" in user.password_hash


def test_ending_all_sessions_signs_the_user_out_at_the_next_request(app, make_user, client, auth):
    user = make_user("volunteer")
    auth.login(user.email)
    with app.app_context():
        db.session.get(User, user.id).session_epoch += 1
        db.session.commit()
    assert client.get("/notifications/").status_code == 303


def test_repeated_failures_slow_down_then_rest_the_account(app, make_user, auth):
    import datetime as dt

    import time_machine

    user = make_user("participant")
    with time_machine.travel(dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC), tick=False) as clock:
        for _ in range(6):
            auth.login(user.email, "wrong password guess")
        # Even the right password waits out the delay…
        assert auth.login(user.email).status_code == 422
        clock.shift(dt.timedelta(seconds=2))
        # …and is accepted once it has passed.
        assert auth.login(user.email).status_code == 303


def test_twenty_failures_rest_the_account_for_a_while_then_it_unlocks(app, make_user):
    import datetime as dt

    import time_machine

    from portal.services.accounts import authenticate

    user = make_user("participant")
    with app.app_context(), time_machine.travel(dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)) as clock:
        for _ in range(20):
            clock.shift(dt.timedelta(minutes=1))  # each attempt after its delay
            authenticate(db.session, user.email, "wrong password guess")
        db.session.commit()
        assert authenticate(db.session, user.email, PASSWORD) is None
        clock.shift(dt.timedelta(minutes=16))
        assert authenticate(db.session, user.email, PASSWORD) is not None


def test_sign_in_and_failures_are_audited(app, make_user, auth):
    user = make_user("participant")
    auth.login(user.email, "wrong password guess")
    auth.login(user.email)
    with app.app_context():
        actions = db.session.execute(sa.select(AuditEvent.action)).scalars().all()
    assert "login_fail" in actions and "login_ok" in actions


def test_the_notification_badge_poll_does_not_keep_a_staff_session_alive(app, client, login_as, hx):
    import datetime as dt

    import time_machine

    login_as("coordinator")
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(20):  # a tab left open: the badge polls every minute
            clock.shift(dt.timedelta(seconds=60))
            client.get("/notifications/count", headers=hx)
        assert client.get("/notifications/").status_code == 303


def test_real_activity_keeps_a_session_alive(app, client, login_as):
    import datetime as dt

    import time_machine

    login_as("coordinator")
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as clock:
        for _ in range(20):
            clock.shift(dt.timedelta(seconds=60))
            assert client.get("/notifications/").status_code == 200
