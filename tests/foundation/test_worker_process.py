"""The real worker process from the Procfile, forked horses and all."""

import subprocess
import sys

import pytest

from portal.db import db
from portal.models import DeliveryStatus, Notification
from portal.services import notifications
from tests.processes import process_env

pytestmark = pytest.mark.slow


def test_the_procfile_worker_delivers_a_notification(app, config, make_user, mail, tmp_path):
    user = make_user("coordinator")
    with app.app_context():
        note = notifications.notify(db.session, user, "new_request")
        db.session.commit()
    done = subprocess.run([sys.executable, "-m", "workers.run", "--burst"],
                          env=process_env(config, tmp_path), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(mail) == 1
    with app.app_context():
        assert db.session.get(Notification, note.id).status == DeliveryStatus.SENT
    # The worker's log names jobs by kind and row id, never by a person.
    assert user.email not in done.stderr


def test_the_worker_refuses_an_unknown_queue_and_names_the_choices(config, tmp_path):
    done = subprocess.run([sys.executable, "-m", "workers.run", "--queues", "everything"],
                          env=process_env(config, tmp_path), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert "urgent, mail, matching, default" in done.stderr
