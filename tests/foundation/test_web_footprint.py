"""The web process stays small: no numeric stack loaded, by import or by its everyday pages."""

import json
import subprocess
import sys

from tests.processes import process_env

NUMERIC = ("numpy", "scipy", "ortools", "portal.matching.engine", "portal.matching.encoding")

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
