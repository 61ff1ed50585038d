"""`make run` (portal.devrun): commands from a second terminal reach it, and it stops quietly on
Ctrl+C: web, worker and clock first, Redis last."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT_DIR as ROOT
from tests.conftest import free_port

pytestmark = pytest.mark.slow

# Settings a developer's shell or the test run may have that would stop devrun embedding Redis
# or using its own instance.
UNSET = ("REDIS_URL", "DATABASE_URL", "PORTAL_ENV", "SECRET_KEY", "DATA_KEYS", "BLIND_INDEX_KEY",
         "AUDIT_KEY", "PORT", "MAIL_BACKEND", "CI")


def started_by(marker: str) -> list[int]:
    """Pids of live processes whose environment carries ``marker`` (all that devrun started)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes().split(b"\0"):
                pids.append(int(entry.name))
        except OSError:
            continue  # gone meanwhile, or not ours
    return pids


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - a loopback http URL we built
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the web process is up
    except OSError:
        return False


def wait_for(predicate, timeout: float, what: str, process) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert process.poll() is None, f"devrun ended early while waiting for {what}"
        assert time.monotonic() < deadline, f"waited {timeout:.0f} s for {what}"
        time.sleep(0.2)


def kill_everything(process, marker: str) -> None:
    """Leave nothing running if the test failed half-way (each process by its own id)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    for pid in started_by(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def second_terminal(env: dict, instance: Path, port: int) -> None:
    """A developer's other shell (none of devrun's settings) reaches the running portal."""
    shell = {name: value for name, value in env.items() if name not in UNSET}
    shell["PORTAL_INSTANCE"] = str(instance)  # the checkout's instance/ in real life
    flask = Path(sys.executable).parent / "flask"
    # Both at once: each is a fresh interpreter importing the whole app.
    relay, seen = (subprocess.Popen(command, env=shell, cwd=ROOT, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                   for command in ([str(flask), "--app", "wsgi", "outbox", "relay"],
                                   [sys.executable, "-c", "from wsgi import app; print(*(app.config[k]"
                                    " for k in ('ENV_NAME', 'PUBLIC_URL', 'REDIS_URL')))"]))
    relay_output, seen_output = relay.communicate(timeout=120)[0], seen.communicate(timeout=120)[0]
    assert relay.returncode == 0 and "pushed" in relay_output, relay_output
    assert seen_output.split() == [
        "development", f"http://127.0.0.1:{port}", f"unix://{instance / 'redis.sock'}"], seen_output


def test_ctrl_c_stops_every_process_quietly_and_redis_last(tmp_path):
    instance = tmp_path / "instance"
    marker = f"PORTAL_INSTANCE={instance}"
    port = free_port()
    env = {name: value for name, value in os.environ.items() if name not in UNSET}
    env.update(PORTAL_INSTANCE=str(instance), WEB_CONCURRENCY="1", PYTHONUNBUFFERED="1")
    output = tmp_path / "devrun.log"
    with open(output, "w") as log_file:
        # Its own process group, as a terminal's foreground job is.
        process = subprocess.Popen([sys.executable, "-m", "portal.devrun", "--port", str(port)],
                                   env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                   process_group=0)
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"), 120, "the web", process)
        wait_for(lambda: "Listening on" in output.read_text()
                 and re.search(r"clock(\.\d+)? started \(pid=", output.read_text()), 60,
                 "the worker and the clock", process)
        second_terminal(env, instance, port)
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl+C does
        code = process.wait(timeout=30)
        text = output.read_text()
        assert code == 0, text[-3000:]
        assert "Traceback" not in text, text[-6000:]
        assert started_by(marker) == [], "left running: redis-server, a worker, the clock or web"
    finally:
        kill_everything(process, marker)
