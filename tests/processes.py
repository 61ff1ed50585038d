"""Procfile processes as real subprocesses the tests and the fault benchmark control.

``WorkerProcess`` starts ``python -m workers.run`` and finds, kills or stops it, its RQ
work-horse and its scheduler through /proc (Linux), as an operator's ``kill`` would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def process_env(config, folder, **extra) -> dict:
    """The environment that makes a Procfile process (worker, clock, web) use the test's app."""
    env = {**os.environ, "PORTAL_ENV": "testing", "PORTAL_INSTANCE": str(Path(folder) / "process"),
           "SECRET_KEY": config["SECRET_KEY"], "DATA_KEYS": config["DATA_KEYS"],
           "BLIND_INDEX_KEY": config["BLIND_INDEX_KEY"], "AUDIT_KEY": config["AUDIT_KEY"],
           "DATABASE_URL": config["DATABASE_URL"],
           "REDIS_URL": config["REDIS_URL"], "MAIL_BACKEND": "smtp", "MAIL_HOST": "127.0.0.1",
           "MAIL_PORT": str(config["MAIL_PORT"]), "MAIL_STARTTLS": "false",
           "MAIL_FROM": config["MAIL_FROM"], "PUBLIC_URL": config["PUBLIC_URL"]}
    env.update({name: str(value) for name, value in extra.items()})
    return env


class WorkerProcess:
    """``python -m workers.run`` (the Procfile's worker) as a real, forking subprocess."""

    def __init__(self, env: dict, log_path, *args: str):
        self.log_path = log_path
        self.log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen([sys.executable, "-m", "workers.run", *args], env=env,
                                         stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.process.pid

    def children(self) -> list[int]:
        """The worker's live child processes: its scheduler and, while a job runs, its horse."""
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            stat = _stat(int(entry))
            if stat and int(stat[1]) == self.pid and stat[0] != "Z":
                found.append(int(entry))
        return found

    def horse(self, timeout: float = 60) -> int:
        """The work-horse running a job now (RQ puts it in a process group of its own)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for pid in self.children():
                try:
                    if os.getpgid(pid) == pid:
                        return pid
                except ProcessLookupError:
                    continue
            assert self.process.poll() is None, self.output()[-3000:]
            time.sleep(0.01)
        raise AssertionError("no work-horse appeared:\n" + self.output()[-3000:])

    def kill_horse(self, timeout: float = 60) -> int:
        pid = self.horse(timeout)
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_all(self) -> None:
        """SIGKILL the worker, its horse and its scheduler at once (a machine or OOM kill)."""
        doomed = self.children()
        self.process.kill()
        for pid in doomed:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=30)
        for pid in doomed:  # wait until the kernel has really ended them
            while os.path.exists(f"/proc/{pid}") and _state(pid) not in ("Z", None):
                time.sleep(0.02)

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_bytes().decode(errors="replace")

    def stop(self) -> None:
        self.request_stop()
        self.wait_stopped()

    def request_stop(self) -> None:
        """SIGTERM: a warm shutdown, the current job may finish first (``wait_stopped`` waits);
        several workers asked at once take the longest one's time to stop, not the sum."""
        if self.process.poll() is None:
            self.process.terminate()

    def wait_stopped(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for pid in self.children():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state, ppid, …), or None if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def _state(pid: int) -> str | None:
    stat = _stat(pid)
    return stat[0] if stat else None
