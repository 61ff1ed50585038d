"""Which process is this, and is another one (named the same way) still alive?

An identity is ``host:pid:start``: the start time (from /proc, where there is one) tells a
live process from a new one that reused a dead one's pid. Only processes on this host can
be judged; any other is presumed alive, and its lease decides.
"""

from __future__ import annotations

import os
import socket
from functools import cache
from pathlib import Path


def _start_ticks(pid: int) -> str | None:
    """A running process's start time in clock ticks since boot; None if it has ended.

    A zombie has ended too: it only waits for its parent (or an init that may be slow to
    reap it, as in some containers) to collect its exit status.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and brackets: count fields after its ')'.
    fields = stat.rpartition(")")[2].split()
    return None if fields[0] in ("Z", "X") else fields[19]


@cache
def _identity(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or '-'}"


def identity() -> str:
    """This process (a forked child gets its own: the pid is part of the cache key)."""
    return _identity(os.getpid())


def known_dead(identity_: str | None) -> bool:
    """True only if ``identity_`` names a process on this host that is certainly gone."""
    if not identity_:
        return True
    host, _, rest = identity_.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if Path("/proc").is_dir():
        running = _start_ticks(pid)
        return running is None or (start != "-" and running != start)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
