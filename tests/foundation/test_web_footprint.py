"""The web process stays small: no numeric stack loaded, by import or by its everyday pages."""

import json
import subprocess
import sys

from portal.db import db
from tests.processes import process_env

NUMERIC = ("numpy", "scipy", "ortools", "portal.matching.engine", "portal.matching.encoding",
           "portal.matching.columns")

PROBE = f"""
import json, sys
import wsgi
client = wsgi.app.test_client()
pages = [client.get(path).status_code for path in sys.argv[1:]]
print(json.dumps({{"pages": pages, "loaded": sorted(m for m in {NUMERIC!r} if m in sys.modules)}}))
"""


def test_the_web_loads_neither_numpy_scipy_nor_or_tools(config, tmp_path):
    paths = ["/", "/privacy", "/healthz", "/request", "/sign-in"]
    done = subprocess.run([sys.executable, "-c", PROBE, *paths], capture_output=True, text=True,
                          env=process_env(config, tmp_path), timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["loaded"] == []
    assert all(status < 500 for status in seen["pages"]), seen["pages"]


def test_the_app_is_frozen_once_built_so_forked_workers_keep_sharing_it(config, tmp_path):
    """The collector leaves what ``import wsgi`` built alone: a preloaded gunicorn's workers
    then never copy those pages by writing to them."""
    probe = "import gc, wsgi; print(gc.get_freeze_count())"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=process_env(config, tmp_path), timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.strip().splitlines()[-1]) > 10_000


SIGNED_IN_PROBE = f"""
import json, sys
import wsgi
pages = []
for cookie, path in json.loads(sys.argv[1]):
    client = wsgi.app.test_client()
    client.set_cookie(wsgi.app.config["SESSION_COOKIE_NAME"], cookie)
    pages.append(client.get(path).status_code)
print(json.dumps({{"pages": pages, "loaded": sorted(m for m in {NUMERIC!r} if m in sys.modules)}}))
"""


def _session_cookie(client) -> str:
    return next(cookie.value for cookie in client._cookies.values()
                if cookie.key in ("session", "__Host-session"))


def test_the_offer_and_request_record_pages_load_no_numeric_stack(
        app, config, tmp_path, make_user, make_volunteer, make_intake):
    from portal.models import Intake, User, VolunteerProfile
    from portal.services import matching, offers
    from tests.conftest import Auth

    intake, profile, coordinator = make_intake(), make_volunteer(), make_user("coordinator")
    make_volunteer(name="Alex")
    with app.app_context():  # stored suggestions, one of them offered: the record checks them
        assert len(matching.suggest_for_intake(db.session, intake.id)) == 2
        match = offers.make_offer(db.session, db.session.get(Intake, intake.id),
                                  db.session.get(VolunteerProfile, profile.id),
                                  actor=db.session.get(User, coordinator.id))
        db.session.commit()
        volunteer_email = db.session.get(User, profile.user_id).email
    signed_in = []
    for email, path in ((volunteer_email, f"/volunteer/offers/{match.id}"),
                        (coordinator.email, f"/coordinator/intakes/{intake.id}")):
        client = app.test_client()
        assert Auth(client).login(email).status_code in (302, 303)
        signed_in.append((_session_cookie(client), path))
    done = subprocess.run([sys.executable, "-c", SIGNED_IN_PROBE, json.dumps(signed_in)],
                          capture_output=True, text=True, env=process_env(config, tmp_path),
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["pages"] == [200, 200]
    assert seen["loaded"] == []
