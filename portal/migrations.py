"""Alembic, driven from Python so ``flask db …`` and the tests share one path.

The URL always comes from the portal's configuration (``DATABASE_URL``), never from an
``alembic.ini``. Revisions are numbered ``0001``, ``0002``, …: ``revision`` picks the next number
and names the file ``<number>_<slug>.py``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from portal import ROOT

MIGRATIONS = ROOT / "migrations"


def alembic_config(database_url: str, *, directory: Path | None = None, stdout=None) -> Config:
    """Alembic's configuration for ``database_url``; ``stdout`` receives what it prints."""
    cfg = Config(stdout=stdout or sys.stdout)
    cfg.set_main_option("script_location", str(directory or MIGRATIONS))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str, **options) -> None:
    command.downgrade(alembic_config(database_url, **options), revision)


def current(database_url: str, **options) -> None:
    """Print the revision the database is at (``(head)`` when up to date)."""
    command.current(alembic_config(database_url, **options), verbose=False)


def history(database_url: str, **options) -> None:
    """Print every revision, newest first, the database's own marked ``(current)``."""
    command.history(alembic_config(database_url, **options), indicate_current=True)


def next_revision_id(directory: Path | None = None) -> str:
    """The next four-digit number after the highest revision id in the scripts."""
    script = ScriptDirectory.from_config(alembic_config("", directory=directory))
    numbers = [int(rev.revision) for rev in script.walk_revisions()
               if re.fullmatch(r"\d+", rev.revision)]
    return f"{max(numbers, default=0) + 1:04d}"


def revision(database_url: str, message: str, *, autogenerate: bool = True,
             directory: Path | None = None, stdout=None) -> Path:
    """Write a new revision; with ``autogenerate`` its body is the models' diff from the database."""
    cfg = alembic_config(database_url, directory=directory, stdout=stdout)
    script = command.revision(cfg, message=message, autogenerate=autogenerate,
                              rev_id=next_revision_id(directory))
    scripts = script if isinstance(script, list) else [script]
    return Path(scripts[0].path)
