"""The web routes in one process: CPU time per request against a minimal Flask route, and profiles.

`python -m bench.web_profile [--requests 200] [--rounds 5] [--profile ROUTE]` seeds the same
program as `bench.web` (10,000 volunteers and 2,000 waiting requests; PostgreSQL at
`BENCH_DATABASE_URL`, wiped, else SQLite in WAL mode), builds the app as production does
(`PORTAL_ENV=production`'s cookies and checks, a private Redis, rate limits off) and calls it
as a WSGI application with the requests `bench.web` sends (same routes, headers, bodies and
sessions; `participant_step` answers differently each request, as there).
Each round times ``--requests`` calls of every route and of `bench/hello.py`'s app
with `time.process_time`, interleaved; the best round counts. Prints `name: value` lines:
`hello_cpu_ms`, then per route `*_cpu_ms` and `*_vs_hello_pct` (hello's time over the route's,
the in-process counterpart of `bench.web`'s figure, without gunicorn's own cost per request,
which both share there), `*_statements` (SQL statements of one request) and `errors`.
`--profile ROUTE` (or `all`) then prints cProfile's 30 heaviest functions by cumulative and by
own time for that route. Ratios taken within one run are what compare: the machine's load
moves every absolute figure.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import sys
import tempfile
import time

import sqlalchemy as sa
from werkzeug.test import EnvironBuilder

from bench import program, web


def environ(app, method: str, path: str, body: str, headers: dict) -> dict:
    """A WSGI environ as gunicorn hands it over (plain HTTP on loopback, like `bench.web`)."""
    built = EnvironBuilder(path=path, method=method, data=body.encode() or None, headers=headers,
                           base_url="http://127.0.0.1:5000/").get_environ()
    built["bench.body"] = built["wsgi.input"].read()
    return built


def call(app, environ: dict) -> int:
    """One request through the WSGI app; its status code."""
    status = []

    def start_response(line, _headers, _exc_info=None):
        status.append(int(line.split()[0]))

    fresh = dict(environ, **{"wsgi.input": io.BytesIO(environ["bench.body"])})
    body = app(fresh, start_response)
    try:
        for _ in body:
            pass
    finally:
        if hasattr(body, "close"):
            body.close()
    return status[0]


class Requests:
    """A route's requests: the same one again, or (a route with visitors, as `bench.web`'s
    Lua sends them) each one with the next visitor's session and an answer of its own,
    built before the clock starts."""

    def __init__(self, app, method, path, body, headers, visitors, count):
        if not visitors:
            self.built = [environ(app, method, path, body, headers)]
        else:
            self.built = [environ(app, method, path, visitor["body"] + f"p-{n}",
                                  {**headers, "Cookie": visitor["cookie"],
                                   "X-CSRFToken": visitor["csrf"]})
                          for n in range(count)
                          for visitor in [visitors[n % len(visitors)]]]
        self.at = 0

    def next(self) -> dict:
        self.at = (self.at + 1) % len(self.built)
        return self.built[self.at]


def cpu_ms(app, requests: Requests, n: int) -> tuple[float, int]:
    """CPU milliseconds per request over ``n`` requests, and how many answered 400 or more."""
    errors = 0
    envs = [requests.next() for _ in range(n)]
    start = time.process_time()
    for environ in envs:
        errors += call(app, environ) >= 400
    return (time.process_time() - start) * 1000 / n, errors


def count_statements(app, requests: Requests) -> int:
    from portal.db import db

    seen = []

    def note(*_args):
        seen.append(1)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        call(app, requests.next())
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def profile(app, name: str, requests: Requests, n: int) -> None:
    envs = [requests.next() for _ in range(n)]
    profiler = cProfile.Profile()
    profiler.enable()
    for environ in envs:
        call(app, environ)
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(30)
        print(f"--- {name}, {n} requests, by {order}\n{out.getvalue()}", file=sys.stderr)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.web_profile")
    parser.add_argument("--requests", type=int, default=200, help="requests per route a round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--waiting", type=int, default=2_000)
    parser.add_argument("--profile", default="", help="a route's name, or all")
    parser.add_argument("--only", default="", help="comma-separated route names to time")
    args = parser.parse_args(argv)
    from bench.hello import app as hello
    from portal.db import db

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder, web.redis_server() as redis_url:
        config = program.bench_config(folder)
        program.fresh_database(config["DATABASE_URL"])
        app = program.make_app(config, folder, ENV_NAME="production", REDIS_URL=redis_url,
                               MAIL_BACKEND="file")
        with app.app_context():
            program.seed_program(db.session, args.volunteers, args.waiting)
            sessions = web.prepare(app, db.session)
        db.session.remove()
        print(f"seeded {args.volunteers} volunteers, {args.waiting} waiting", file=sys.stderr)
        chosen = [route for route in web.routes(sessions)
                  if not args.only or route[0] in args.only.split(",")]
        count = args.requests * (args.rounds + 2) + 8  # no answer sent twice, profile included
        calls = {name: Requests(app, method, path, body, {"Host": "127.0.0.1:5000", **headers},
                                visitors, count)
                 for name, method, path, body, headers, visitors in chosen}
        hello_environ = Requests(hello, "GET", "/", "", {"Host": "127.0.0.1:5000"}, None, 1)
        for name, env in calls.items():  # warm: templates compiled, caches filled
            status = call(app, env.next())
            if status >= 300:
                sys.exit(f"{name} answered {status}: the set-up is wrong")
            call(app, env.next())
            figures[f"{name}_statements"] = count_statements(app, env)
        gc.collect()
        gc.freeze()  # as wsgi.py does after building the app: the seeding's objects stay out
        best = {name: float("inf") for name in ["hello", *calls]}
        errors = 0
        for _ in range(args.rounds):
            for name, env in [("hello", hello_environ), *calls.items()]:
                ms, failed = cpu_ms(hello if name == "hello" else app, env, args.requests)
                best[name] = min(best[name], ms)
                errors += failed
        figures["hello_cpu_ms"] = best["hello"]
        for name in calls:
            figures[f"{name}_cpu_ms"] = best[name]
            figures[f"{name}_vs_hello_pct"] = 100 * best["hello"] / best[name]
        figures["errors"] = errors
        for name, value in figures.items():
            print(f"{name}: {value:.4g}" if isinstance(value, float) else f"{name}: {value}")
        for name, env in calls.items():
            if args.profile in (name, "all"):
                profile(app, name, env, args.requests)
        db.session.remove()
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
