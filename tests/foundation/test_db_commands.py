"""`flask --app wsgi db …`: upgrade, downgrade, current, history and revision, on a scratch database."""

import shutil

import pytest
import sqlalchemy as sa

from portal import migrations
from portal.db import make_engine
from portal.models import Base
from tests.conftest import TEST_DATABASE_URL, create_database_if_missing, worker_database_url


@pytest.fixture
def scratch_url(tmp_path):
    """An empty database of the test's own (PostgreSQL: the worker's ``…_scratch``, emptied)."""
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
    base, _, name = TEST_DATABASE_URL.rpartition("/")
    url = f"{base}/{name}_scratch"
    create_database_if_missing(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture
def db_cli(app, scratch_url):
    app.config["DATABASE_URL"] = scratch_url
    runner = app.test_cli_runner()

    def invoke(*args):
        result = runner.invoke(args=["db", *args])
        assert result.exit_code == 0, result.output + repr(result.exception)
        return result.output

    return invoke


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(migrations.alembic_config("")).get_current_head()


def test_upgrade_current_history_downgrade_round_trip(db_cli, scratch_url):
    assert "database at head" in db_cli("upgrade")
    assert f"{head()} (head)" in db_cli("current")
    history = db_cli("history")
    assert "0001" in history and f"{head()} (head) (current)" in history.replace(",", "")

    db_cli("downgrade", "base")
    assert db_cli("current").strip() == ""
    assert tables(scratch_url) - {"alembic_version"} == set()  # every migration undoes itself completely

    db_cli("upgrade", "0002")
    assert "0002" in db_cli("current")
    db_cli("upgrade")
    db_cli("downgrade")  # one step back
    assert head() not in db_cli("current")
    db_cli("upgrade", "--revision", "head")  # the older spelling still works
    assert set(Base.metadata.tables) <= tables(scratch_url)


def test_revision_autogenerates_nothing_when_models_and_migrations_agree(
        db_cli, tmp_path, monkeypatch):
    copy = tmp_path / "migrations"
    shutil.copytree(migrations.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrations, "MIGRATIONS", copy)
    db_cli("upgrade")
    last = head()
    output = db_cli("revision", "-m", "nothing to do")
    number = f"{int(last) + 1:04d}"
    written = copy / "versions" / f"{number}_nothing_to_do.py"
    assert str(written) in output
    source = written.read_text()
    assert f"revision = '{number}'" in source and f"down_revision = '{last}'" in source
    # Autogenerate (types compared too) found no difference: both bodies are empty.
    body = source.split("def upgrade() -> None:")[1]
    assert [line.strip() for line in body.splitlines() if line.strip()
            and not line.strip().startswith("#")] == ["pass", "def downgrade() -> None:", "pass"]


def test_revision_refuses_a_database_behind_the_scripts(db_cli, tmp_path, monkeypatch, app):
    copy = tmp_path / "migrations"
    shutil.copytree(migrations.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrations, "MIGRATIONS", copy)
    db_cli("upgrade", "0002")
    before = sorted((copy / "versions").glob("*.py"))
    result = app.test_cli_runner().invoke(args=["db", "revision", "-m", "too soon"])
    assert result.exit_code == 1 and "Target database is not up to date" in result.output
    assert sorted((copy / "versions").glob("*.py")) == before  # no script was written


def test_worker_database_names_derive_from_the_url(monkeypatch):
    import tests.conftest as conftest

    monkeypatch.setattr(conftest, "WORKER", "gw3")
    url = "postgresql://postgres@127.0.0.1:5432/test"
    assert worker_database_url(url) == "postgresql://postgres@127.0.0.1:5432/test_gw3"
    assert worker_database_url(url + "?sslmode=disable").endswith("/test_gw3?sslmode=disable")
    monkeypatch.setattr(conftest, "WORKER", "")
    assert worker_database_url(url) == url
