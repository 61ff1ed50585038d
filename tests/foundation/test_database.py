"""Migrations, the models they must agree with, and SQLite's settings."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.db import db, make_engine
from portal.migrations import upgrade
from portal.models import Base


def test_migrations_create_every_table_on_a_fresh_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    upgrade(url)
    tables = set(sa.inspect(make_engine(url)).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_models_and_migrations_agree(app_context):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_mode_with_normal_sync(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_the_session_is_removed_at_the_end_of_a_request(app, client):
    client.get("/")
    assert not db.session.registry.has()
