"""Without Debian's chromium the browser tests fail loudly: a skipped browser suite would pass
quietly with nothing of the screen checked."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT_DIR

pytestmark = pytest.mark.slow


def test_a_browser_test_fails_when_chromium_is_missing(tmp_path):
    env = {**os.environ, "PORTAL_TEST_CHROMIUM": str(tmp_path / "no-chromium")}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_XDIST_WORKER_COUNT", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
         "tests/e2e/test_foundation_browser.py::test_quick_exit_leaves_no_portal_page_in_history"],
        cwd=ROOT_DIR, env=env, capture_output=True, text=True, timeout=170)
    assert run.returncode == 1, run.stdout[-3000:]
    assert "1 error" in run.stdout and "skipped" not in run.stdout, run.stdout[-3000:]
    assert "Debian's chromium is needed" in run.stdout
