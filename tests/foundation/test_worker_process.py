"""The real worker process from the Procfile, forked horses and all."""

import os
import subprocess
import sys

import pytest

from portal.db import db
from portal.models import DeliveryStatus, Notification
from portal.services import notifications

pytestmark = pytest.mark.slow


def test_the_procfile_worker_delivers_a_notification(app, config, make_user, mail, tmp_path):
    user = make_user("coordinator")
    with app.app_context():
        note = notifications.notify(db.session, user, "new_request")
        db.session.commit()
    env = {**os.environ, "PORTAL_ENV": "testing", "PORTAL_INSTANCE": str(tmp_path / "worker"),
           "SECRET_KEY": config["SECRET_KEY"], "DATA_KEYS": config["DATA_KEYS"],
           "BLIND_INDEX_KEY": config["BLIND_INDEX_KEY"], "DATABASE_URL": config["DATABASE_URL"],
           "REDIS_URL": config["REDIS_URL"], "MAIL_BACKEND": "smtp", "MAIL_HOST": "127.0.0.1",
           "MAIL_PORT": str(config["MAIL_PORT"]), "MAIL_STARTTLS": "false",
           "MAIL_FROM": config["MAIL_FROM"], "PUBLIC_URL": config["PUBLIC_URL"]}
    done = subprocess.run([sys.executable, "-m", "workers.run", "--burst"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(mail) == 1
    with app.app_context():
        assert db.session.get(Notification, note.id).status == DeliveryStatus.SENT
    # The worker's log names jobs by kind and row id, never by a person.
    assert user.email not in done.stderr
