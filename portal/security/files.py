"""Files the portal writes on disk are the portal's alone: folders 0700, files 0600.

The SQLite database, its journal, the development keys and the development mail folder hold
what a leak would expose, so nobody else on the machine may read them, whatever the umask.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: str | Path) -> Path:
    """Create ``path`` (and its missing parents) readable by this user only."""
    path = Path(path)
    # mkdir(parents=True) would give the parents it makes the umask's mode (0755, say):
    # each missing folder is made private, outermost first; folders already there are not ours.
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        _tighten(folder, DIR_MODE)
    _tighten(path, DIR_MODE)
    return path


def private_file(path: str | Path) -> Path:
    """Create ``path`` empty if missing, and make it readable by this user only."""
    path = Path(path)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
    os.close(fd)
    _tighten(path, FILE_MODE)
    return path


def write_private(path: str | Path, data: bytes) -> None:
    """Write ``data`` to a file nobody else can read at any moment (not even before a chmod)."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    _tighten(Path(path), FILE_MODE)


def private_sqlite(url: str) -> None:
    """Before SQLite creates the database file: make it, and its folder, private.

    SQLite gives its journal and WAL files the database file's mode, so they follow.
    """
    parsed = sa.engine.make_url(url)
    name = parsed.database
    if parsed.get_backend_name() != "sqlite" or not name or name == ":memory:" \
            or name.startswith("file:"):
        return
    path = Path(name)
    private_dir(path.parent)
    private_file(path)


def _tighten(path: Path, mode: int) -> None:
    # Another user's folder (a shared /tmp, say) is left alone: only our own are changed.
    if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o777 != mode:
        path.chmod(mode)
