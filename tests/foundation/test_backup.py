"""The restore drill: back up, wipe, restore, every encrypted field reads back; wrong keys or a
damaged file are refused by name and leave the database as it was."""

import base64
import json
import secrets

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.db import db
from portal.migrations import upgrade
from portal.models import Base, User
from portal.security.rotation import encrypted_fields


def plaintexts() -> dict:
    """Every encrypted value in the database, decrypted, by table, field and row."""
    found = {}
    for mapper in Base.registry.mappers:
        for row in db.session.execute(sa.select(mapper.class_)).scalars():
            for field in encrypted_fields(mapper.class_):
                if getattr(row, field.column) is not None:
                    found[(mapper.local_table.name, field.name, str(row.id))] = field.__get__(row)
    db.session.rollback()
    return found


def wipe(url: str) -> None:
    """Everything gone, as after a lost disk (the schema too)."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        else:
            names = conn.execute(sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
            conn.execute(sa.text("PRAGMA foreign_keys = OFF"))
            for (name,) in names.all():
                conn.execute(sa.text(f'DROP TABLE "{name}"'))
    engine.dispose()


def other_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
def seeded(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        return plaintexts()


@pytest.fixture
def cli(app):
    def invoke(*args, app=app):
        return app.test_cli_runner().invoke(args=list(args))

    return invoke


@pytest.fixture
def restorable(database_url):
    yield database_url
    upgrade(database_url)  # a failed drill must not leave the worker's database wiped


def test_back_up_wipe_restore_and_every_encrypted_field_reads_back(
        app, seeded, cli, tmp_path, restorable):
    made = cli("backup", "create", "--to", str(tmp_path / "backups"))
    assert made.exit_code == 0, made.output
    folder = next((tmp_path / "backups").iterdir())
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert all(oct(path.stat().st_mode & 0o777) == "0o600" for path in folder.iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["data_keys"]) == {"t1"} and set(manifest["audit_keys"]) == {"a1"}
    assert app.config["DATA_KEYS"].split(":")[1] not in (folder / "manifest.json").read_text()

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    wipe(restorable)
    restored = cli("backup", "restore", str(folder), "--yes")
    assert restored.exit_code == 0, restored.output
    assert f"{len(seeded)} encrypted values read back" in restored.output

    with app.app_context():
        assert plaintexts() == seeded and len(seeded) > 50
        from portal.services.accounts import find_by_email

        assert find_by_email(db.session, "coordinator@example.org") is not None  # blind index
    verified = cli("audit", "verify")
    assert verified.exit_code == 0 and "audit chain intact" in verified.output, verified.output


@pytest.mark.parametrize("change, named", [
    ({"DATA_KEYS": f"t2:{other_key()}"}, "DATA_KEYS has no key 't1'"),
    ({"DATA_KEYS": f"t1:{other_key()}"}, "DATA_KEYS' key 't1' is not the key"),
    ({"BLIND_INDEX_KEY": other_key()}, "BLIND_INDEX_KEY is not the backup's"),
    ({"AUDIT_KEY": f"a1:{other_key()}"}, "AUDIT_KEY lacks the backup's key 'a1'"),
])
def test_with_the_wrong_keys_a_clear_error_and_nothing_restored(
        app, config, seeded, cli, tmp_path, make_user, change, named):
    assert cli("backup", "create", "--to", str(tmp_path)).exit_code == 0
    folder = next(tmp_path.glob("portal-*"))
    later = make_user("coordinator", email="after-the-backup@example.org")

    wrong = create_app({**config, **change})
    check = cli("backup", "check", str(folder), app=wrong)
    restored = cli("backup", "restore", str(folder), "--yes", app=wrong)
    for result in (check, restored):
        assert result.exit_code == 1 and named in result.output, result.output
    assert "nothing was restored" in restored.output

    create_app(config)  # the right keys again
    with app.app_context():
        assert db.session.get(User, later.id) is not None  # the database is as it was
        assert plaintexts() == {**seeded, **{key: value for key, value in plaintexts().items()
                                             if key[2] == str(later.id)}}


def test_a_damaged_backup_is_refused_before_anything_changes(app, seeded, cli, tmp_path):
    assert cli("backup", "create", "--to", str(tmp_path)).exit_code == 0
    folder = next(tmp_path.glob("portal-*"))
    dump = next(path for path in folder.iterdir() if path.name != "manifest.json")
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    result = cli("backup", "restore", str(folder), "--yes")
    assert result.exit_code == 1 and "missing or damaged" in result.output
    with app.app_context():
        assert plaintexts() == seeded


def test_restore_asks_before_replacing_the_database(app, seeded, cli, tmp_path, make_user):
    assert cli("backup", "create", "--to", str(tmp_path)).exit_code == 0
    later = make_user("participant", email="later@example.org")
    result = app.test_cli_runner().invoke(
        args=["backup", "restore", str(next(tmp_path.glob("portal-*")))], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    with app.app_context():
        assert db.session.get(User, later.id) is not None
