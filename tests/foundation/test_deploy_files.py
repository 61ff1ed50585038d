"""The deploy kit stays true: .env.example names every setting, the units run the Procfile."""

import re

from tests.conftest import ROOT_DIR

CONFIG = (ROOT_DIR / "portal" / "config.py").read_text()
EXAMPLE = (ROOT_DIR / ".env.example").read_text()


def test_env_example_names_every_setting_the_portal_reads():
    read = set(re.findall(r'source\.get\(\s*"([A-Z_]+)"', CONFIG))
    read |= set(re.findall(r'_env_\w+\(source, "([A-Z_]+)"', CONFIG))
    read |= {"PORTAL_ENV", "PORTAL_INSTANCE", "HOST", "PORT", "WEB_CONCURRENCY"}  # Procfile, app
    assert len(read) > 30
    listed = set(re.findall(r"^#?([A-Z_]+)=", EXAMPLE, flags=re.MULTILINE))
    assert read - listed == set()


def test_the_units_run_what_the_procfile_runs():
    procfile = (ROOT_DIR / "Procfile").read_text()
    units = "".join(path.read_text() for path in (ROOT_DIR / "deploy").glob("*.service"))
    for command in ("wsgi:app", "-m workers.run --queues urgent,mail", "-m workers.run",
                    "-m workers.clock", "--threads 4"):
        assert command in procfile and command in units


def test_web_workers_share_the_app_their_master_loaded():
    """--preload: the master imports the app once and forks (wsgi then freezes what it built,
    tests/foundation/test_web_footprint.py)."""
    procfile = (ROOT_DIR / "Procfile").read_text()
    unit = (ROOT_DIR / "deploy" / "portal-web.service").read_text()
    assert "--preload" in procfile.split("web:", 1)[1].splitlines()[0]
    assert "--preload" in unit
