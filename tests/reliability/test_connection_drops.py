"""A database connection dropped at any moment: always the portal's own page, never a lost request.

Each test first counts the statements a request normally issues, then repeats the request
once per statement with the connection killed right there (see ``conftest.Faults``).
"""

from __future__ import annotations

import http.cookiejar
import itertools
import logging
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from functools import partial
from pathlib import Path

import pytest

from portal.db import db
from portal.models import User
from portal.security.headers import CSP
from portal.services import intake as intakes
from portal.services import program_lists, settings
from portal.services.outbox import dispatch
from tests.conftest import HX, TEST_DATABASE_URL, csrf_token, free_port
from tests.participant.conftest import CONSENT, STEP_DATA, Wizard

ROOT = Path(__file__).resolve().parents[2]
postgres_only = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="terminates PostgreSQL backends: set TEST_DATABASE_URL")
DEFAULT_CRISIS = 'href="tel:988"'
LOCAL_CRISIS = [{"name": "Distress Centre Calgary", "phone": "403-266-4357", "hours": "24/7"}]
SENT = "Thank you. We have your request."


@pytest.fixture(autouse=True)
def settings_read_every_time(monkeypatch):
    """A replayed request must send the statements its measured run sent: no settings cache."""
    monkeypatch.setattr(settings, "CACHE_SECONDS", 0.0)


@pytest.fixture
def config(config):
    """As in production: an exception the portal fails to handle reaches the server."""
    return {**config, "PROPAGATE_EXCEPTIONS": False}


def is_portal_error_page(status: int, body: str, crisis: str = DEFAULT_CRISIS) -> bool:
    """The portal's own 500/503 page: crisis numbers and the quick exit, not a server's text."""
    return (status in (500, 503) and crisis in body and 'id="quick-exit"' in body
            and "Internal Server Error" not in body)


def portal_error_page(response, crisis: str = DEFAULT_CRISIS) -> bool:
    return is_portal_error_page(response.status_code, response.get_data(as_text=True), crisis)


def flash_error(response) -> bool:
    """The portal's error for an htmx request: a message swapped into the flash region."""
    return (response.status_code in (500, 503) and response.headers.get("HX-Retarget") == "#flash"
            and "notice-error" in response.get_data(as_text=True))


def fresh_caches() -> None:
    settings.forget_cached()
    program_lists.forget_cached()


def measured(faults, request):
    """The request's normal response, and the statements it issued (their first lines).

    The settings and the program's lists are read afresh by each measured and faulted request:
    the process keeps them five seconds, so on a busy machine one request would read them and
    the next not, and the Nth statement would be another one."""
    faults.arm()
    fresh_caches()
    response = request()
    return response, list(faults.seen)


def faulted(faults, request, at: str | None = None, **fault):
    """The request's response with the fault armed; it must strike (at the statement ``at``)."""
    faults.arm(**fault)
    fresh_caches()
    response = request()
    faults.disarm()
    assert faults.kills, f"the fault {fault} never struck"
    assert at is None or faults.struck[0] == at, (faults.struck[0], at)
    return response


# ---------------------------------------------------------------- a page view

@pytest.fixture
def participant(app, auth, make_intake):
    """A signed-in participant with a request in progress (the home page's full set of reads)."""
    intake = make_intake()
    with app.app_context():
        email = db.session.get(User, intake.participant_id).email
    assert auth.login(email).status_code == 303
    return email


def test_a_page_view_meets_a_dropped_connection_at_any_statement(
        app, client, participant, faults, subtests):
    with app.app_context():
        settings.put(db.session, "crisis_resources", LOCAL_CRISIS)
        db.session.commit()
    home = partial(client.get, "/my")
    normal, layout = measured(faults, home)
    assert normal.status_code == 200 and len(layout) > 3
    for n in range(1, len(layout) + 1):
        with subtests.test(statement=n):
            response = faulted(faults, home, layout[n - 1], statements=[n])
            assert response.status_code == 200 or portal_error_page(response, "Distress Centre"), \
                (response.status_code, response.get_data(as_text=True)[:300])
            assert home().status_code == 200  # the next request starts with a fresh session


@pytest.fixture
def kill_before_teardown(app, faults):
    """When set, the request session's connection dies after the view, before teardown."""
    armed = []

    @app.teardown_request
    def kill(_exc):
        if armed:
            armed.clear()
            faults.kill(db.session.connection())

    return armed


def test_a_connection_dead_at_teardown_is_dropped_and_the_next_request_starts_afresh(
        client, kill_before_teardown, participant):
    kill_before_teardown.append(True)
    response = client.get("/my")
    assert response.status_code == 200 and "Where things stand" in response.get_data(as_text=True)
    assert not kill_before_teardown  # it struck
    assert client.get("/my").status_code == 200


def test_a_page_view_with_the_database_gone_from_any_statement_on_gets_the_portal_page(
        client, participant, faults, subtests):
    home = partial(client.get, "/my")
    _normal, layout = measured(faults, home)
    for n in range(1, len(layout) + 1):
        with subtests.test(statement=n):
            response = faulted(faults, home, layout[n - 1], from_statement=n)
            # Never a sign-in redirect: an unreadable session is not a signed-out person.
            assert response.status_code == 200 or portal_error_page(response), \
                (response.status_code, response.get_data(as_text=True)[:300])
            assert home().status_code == 200


def test_an_unreadable_session_is_the_portal_being_unwell_not_a_signed_out_visitor(
        client, participant, faults):
    response = faulted(faults, partial(client.get, "/my"), from_statement=1)
    assert response.status_code == 503 and portal_error_page(response)
    assert "having trouble" in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"] == CSP
    assert client.get("/my").status_code == 200  # nothing was written: still signed in


# ---------------------------------------------------------------- an htmx request

def test_an_htmx_step_meets_a_dropped_connection_at_any_statement(
        client, login_as, faults, subtests):
    login_as("participant")
    Wizard(client, htmx=True).safety("no")
    headers = {**HX, "X-CSRFToken": csrf_token(client)}
    names = itertools.count()

    def step():  # a new alias each time, so that every try writes the draft (as the first did)
        data = {**STEP_DATA["about"], "alias": f"Sam {next(names)}"}
        return client.post("/request/about", data=data, headers=headers)

    normal, layout = measured(faults, step)
    assert normal.status_code == 200 and normal.headers["HX-Push-Url"] == "/request/support"
    for n in range(1, len(layout) + 1):
        with subtests.test(statement=n):
            response = faulted(faults, step, layout[n - 1], statements=[n])
            assert (response.status_code == 200 and "HX-Push-Url" in response.headers) \
                or flash_error(response), (response.status_code, response.get_data(as_text=True))
            assert step().status_code == 200


# ---------------------------------------------------------------- sending a request

def ready_to_send(app, tag) -> tuple[Wizard, str, partial]:
    """A fresh visitor at the last step; the form's POST, prepared so only it meets the fault."""
    wizard = Wizard(app.test_client())
    wizard.fill(contact={"email": f"sam.{tag}@example.org"})
    with app.app_context():  # jobs an earlier attempt left behind would lengthen this send
        dispatch.push_pending()
    fields = wizard.hidden()
    data = {**CONSENT, **fields, "csrf_token": csrf_token(wizard.client)}
    return wizard, fields["submission_token"], partial(wizard.client.post, "/request/submit",
                                                       data=data)


def measured_send(app, faults):
    """A send's normal response and statements, past the first-ever ones (the audit chain's head)."""
    ready_to_send(app, "first")[2]()
    return measured(faults, ready_to_send(app, "count")[2])


def committed(app, token: str) -> bool:
    with app.app_context():
        return intakes.find_by_token(db.session, token) is not None


def assert_sent_or_safe_to_send_again(app, wizard, token, send, response):
    """Committed: the confirmation. Not committed: the portal's page, and sending again works.

    A visitor is never signed in by sending (their address is confirmed by email first)."""
    if committed(app, token):
        assert (response.status_code, response.headers.get("Location")) == \
            (303, "/request/sent"), response.get_data(as_text=True)[:300]
        page = wizard.client.get("/request/sent").get_data(as_text=True)
        assert SENT in page and "Please check your email" in page
        return "committed"
    assert portal_error_page(response), \
        (response.status_code, response.get_data(as_text=True)[:300])
    again = send()  # the person presses send again: the draft was kept
    assert (again.status_code, again.headers.get("Location")) == (303, "/request/sent")
    assert committed(app, token)
    return "sent again"


def test_sending_meets_a_dropped_connection_at_any_statement(app, faults, subtests):
    normal, layout = measured_send(app, faults)
    assert normal.status_code == 303 and len(layout) > 10
    outcomes = set()
    for n in range(1, len(layout) + 1):
        with subtests.test(statement=n):
            wizard, token, send = ready_to_send(app, n)
            response = faulted(faults, send, layout[n - 1], statements=[n])
            outcomes.add(assert_sent_or_safe_to_send_again(app, wizard, token, send, response))
    assert outcomes == {"committed", "sent again"}


def test_sending_with_the_database_gone_from_any_statement_on(app, faults, subtests):
    _normal, layout = measured_send(app, faults)
    outcomes = set()
    for n in range(1, len(layout) + 1):
        with subtests.test(statement=n):
            wizard, token, send = ready_to_send(app, f"gone{n}")
            response = faulted(faults, send, layout[n - 1], from_statement=n)
            outcomes.add(assert_sent_or_safe_to_send_again(app, wizard, token, send, response))
    assert outcomes == {"committed", "sent again"}


@pytest.mark.parametrize("lose_reply", [False, True], ids=["before it lands", "reply lost"])
def test_sending_meets_a_dropped_connection_at_any_commit(app, faults, subtests, lose_reply):
    _wizard, _token, send = ready_to_send(app, "count")
    faults.arm()
    send()
    commits = faults.commits
    assert commits >= 2
    for n in range(1, commits + 1):
        with subtests.test(commit=n):
            wizard, token, send = ready_to_send(app, f"c{n}{lose_reply}")
            response = faulted(faults, send, commit=n, lose_reply=lose_reply)
            assert_sent_or_safe_to_send_again(app, wizard, token, send, response)


def test_a_request_saved_while_its_answer_was_lost_is_confirmed(app, faults):
    wizard, token, send = ready_to_send(app, "lost")
    before = wizard.client.get_cookie("session").value
    # The first commit of a visitor's send is the request itself (held for its address).
    response = faulted(faults, send, commit=1, lose_reply=True)
    assert committed(app, token)
    assert (response.status_code, response.headers["Location"]) == (303, "/request/sent")
    page = wizard.client.get("/request/sent").get_data(as_text=True)
    assert SENT in page and "Please check your email" in page
    # A browser that never got that answer sends the same form again: the same request.
    wizard.client.set_cookie("session", before)
    again = send()
    assert (again.status_code, again.headers["Location"]) == (303, "/request/sent")
    assert SENT in wizard.client.get("/request/sent").get_data(as_text=True)


def test_the_confirmation_meets_a_dropped_connection_at_any_statement(app, faults, subtests):
    wizard, _token, send = ready_to_send(app, "confirmation")
    assert send().status_code == 303
    page = partial(wizard.client.get, "/request/sent")
    normal, layout = measured(faults, page)
    assert SENT in normal.get_data(as_text=True)
    for n in range(1, len(layout) + 1):
        with subtests.test(statement=n):
            response = faulted(faults, page, layout[n - 1], statements=[n])
            assert response.status_code == 200 and SENT in response.get_data(as_text=True)
            assert DEFAULT_CRISIS in response.get_data(as_text=True)


# ---------------------------------------------------------------- the last resort

def test_an_exception_escaping_flask_still_gets_the_portal_page(app, client, caplog):
    @app.teardown_request
    def broken(_exc):
        raise RuntimeError("a value someone typed")

    caplog.set_level(logging.INFO)
    response = client.get("/")
    assert portal_error_page(response) and response.status_code == 500
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["Cache-Control"] == "no-store"
    fragment = client.get("/", headers=HX)
    assert fragment.status_code == 500 and flash_error(fragment)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "RuntimeError" in caplog.text and "a value someone typed" not in caplog.text


# ---------------------------------------------------------------- a real gunicorn

class Browser:
    """A cookie-keeping HTTP client that returns (status, body) for every answer."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self, email: str, password: str) -> None:
        page = self.open("/sign-in")[1]
        token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        status, body = self.open("/sign-in", {"email": email, "password": password,
                                              "csrf_token": token})
        assert status == 200 and "Where things stand" in body, (status, body[:300])


def _terminate_app_backends(admin) -> int:
    return len(admin.execute(
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall())


@postgres_only
@pytest.mark.slow
def test_through_gunicorn_terminated_backends_never_show_a_bare_error(
        app, config, make_user, tmp_path):
    import psycopg

    from tests.conftest import PASSWORD

    user = make_user("participant")
    port = free_port()
    env = {**os.environ, "PORTAL_ENV": "testing", "PORTAL_INSTANCE": str(tmp_path / "web"),
           "SECRET_KEY": config["SECRET_KEY"], "DATA_KEYS": config["DATA_KEYS"],
           "BLIND_INDEX_KEY": config["BLIND_INDEX_KEY"], "AUDIT_KEY": config["AUDIT_KEY"],
           "DATABASE_URL": config["DATABASE_URL"],
           "REDIS_URL": config["REDIS_URL"], "MAIL_BACKEND": "file",
           "PUBLIC_URL": f"http://127.0.0.1:{port}", "RATELIMIT_ENABLED": "false"}
    log = open(tmp_path / "gunicorn.log", "w+")
    # The Procfile's web command (without a control socket, which two runs would share).
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--threads", "4", "--no-control-socket", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    answers: list[tuple[str, int, str]] = []
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        for _ in range(300):
            try:
                browser.open("/sign-in")
                break
            except urllib.error.URLError:
                time.sleep(0.1)
        browser.sign_in(user.email, PASSWORD)
        assert browser.open("/my")[0] == 200

        stop = threading.Event()

        def visit():
            while not stop.is_set():
                for path in ("/my", "/", "/request"):
                    answers.append((path, *browser.open(path)))

        visitors = [threading.Thread(target=visit) for _ in range(6)]
        for thread in visitors:
            thread.start()
        with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as admin:
            terminated = 0
            for _ in range(8):
                time.sleep(0.25)
                terminated += _terminate_app_backends(admin)
        stop.set()
        for thread in visitors:
            thread.join(timeout=60)
        answers.extend(("/my", *browser.open("/my")) for _ in range(5))
    finally:
        server.terminate()
        server.wait(timeout=30)
    log.seek(0)
    output = log.read()
    log.close()
    assert terminated > 0
    bare = [(path, status, body[:200]) for path, status, body in answers
            if status != 200 and not is_portal_error_page(status, body)]
    assert not bare, bare
    # A 200 for /my is the person's own page: never a signed-out visitor's sign-in page.
    assert all("Where things stand" in body for path, status, body in answers
               if path == "/my" and status == 200)
    assert answers[-1][1] == 200  # and afterwards, the portal simply works
    assert "Error handling request" not in output, output[-3000:]
