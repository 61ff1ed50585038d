"""Alembic, driven from Python so ``flask db upgrade`` and the tests share one path."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from portal import ROOT


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)
