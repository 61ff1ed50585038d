"""What the portal writes on disk is readable by its own user only, whatever the umask."""

from __future__ import annotations

import os
import stat

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.db import db
from workers import mail


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    previous = os.umask(0o022)  # the usual default: 0644 files, 0755 folders
    yield
    os.umask(previous)


@pytest.fixture
def development_app(config, tmp_path, monkeypatch, open_umask):
    instance = tmp_path / "instance"
    monkeypatch.setenv("PORTAL_INSTANCE", str(instance))
    settings = {**config, "ENV_NAME": "development", "SECRET_KEY": None, "DATA_KEYS": None,
                "BLIND_INDEX_KEY": None,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'portal.sqlite3'}"}
    app = create_app(settings)
    with app.app_context():
        db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
        db.session.commit()
    yield app
    db.session.remove()
    db.engine.dispose()


def test_the_instance_folder_and_development_keys_are_private(development_app, tmp_path):
    assert mode(tmp_path / "instance") == 0o700
    assert mode(tmp_path / "instance" / "dev-keys.json") == 0o600


def test_the_sqlite_database_and_its_folder_are_private(development_app, tmp_path):
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "portal.sqlite3") == 0o600
    journals = [p for p in (tmp_path / "data").iterdir() if p.name != "portal.sqlite3"]
    assert all(mode(p) == 0o600 for p in journals)


def test_an_existing_database_left_world_readable_is_made_private(config, tmp_path, monkeypatch,
                                                                    open_umask):
    database = tmp_path / "old.sqlite3"
    database.write_bytes(b"")
    database.chmod(0o644)
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "instance"))
    app = create_app({**config, "DATABASE_URL": f"sqlite:///{database}"})
    with app.app_context():
        db.engine.dispose()
    assert mode(database) == 0o600


def test_development_mail_files_are_private(tmp_path, open_umask):
    folder = tmp_path / "mail"
    config = {"MAIL_BACKEND": "file", "MAIL_DIR": str(folder), "MAIL_FROM": "n@portal.test"}
    mail.send(config, mail.build_message(config, to="a@example.org", subject="s", body="b",
                                         message_id="<m1@portal.test>"))
    assert mode(folder) == 0o700
    assert [mode(p) for p in folder.iterdir()] == [0o600]


def test_every_folder_made_on_the_way_is_private(tmp_path, open_umask):
    """A backup's default place is backups/portal-<time> under the instance: both are made."""
    from portal.security import files

    files.private_dir(tmp_path / "backups" / "portal-1")
    assert (mode(tmp_path / "backups"), mode(tmp_path / "backups" / "portal-1")) == (0o700, 0o700)

