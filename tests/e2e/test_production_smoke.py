"""The production smoke test: the Procfile's processes with PORTAL_ENV=production, gunicorn
serving TLS on loopback with a certificate made here, a participant's request sent through
it, the address-check email delivered by the mail worker to a real SMTP server, and the
worker storing suggestions once the address is confirmed."""

from __future__ import annotations

import datetime
import http.cookiejar
import ipaddress
import json
import os
import re
import shlex
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import Intake, Suggestion
from tests.conftest import ROOT_DIR, free_port
from tests.participant.conftest import Wizard
from tests.processes import process_env

pytestmark = pytest.mark.slow


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made now."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Reply:
    """A urllib answer shaped like Flask's test response (what Wizard reads)."""

    def __init__(self, status: int, headers, body: bytes):
        self.status_code, self.headers, self.body = status, headers, body

    def get_data(self, as_text: bool = False):
        return self.body.decode() if as_text else self.body


class HttpsClient:
    """A browser-like client over real TLS: cookies (Secure ones too), the Referer a browser
    sends on a same-origin form post, no redirects followed."""

    def __init__(self, base: str, cert: Path):
        self.base = base
        context = ssl.create_default_context(cafile=str(cert))
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context), _NoRedirects(),
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def _open(self, method: str, path: str, data: dict | None = None, headers=None) -> Reply:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310 - our own https://127.0.0.1 server
            self.base + path, data=body, method=method,
            headers={"Referer": self.base + path, **(headers or {})})
        try:
            with self.opener.open(request, timeout=60) as response:
                return Reply(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers, error.read())

    def get(self, path: str, **_kwargs) -> Reply:
        return self._open("GET", path)

    def post(self, path: str, data: dict | None = None, headers=None, **_kwargs) -> Reply:
        return self._open("POST", path, data or {}, headers)


def procfile() -> dict[str, str]:
    lines = (ROOT_DIR / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def wait_until(predicate, timeout: float, what: str, processes) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        for name, process in processes.items():
            assert process.poll() is None, f"{name} ended early (see its log)"
        assert time.monotonic() < deadline, f"waited {timeout:.0f} s for {what}"
        time.sleep(0.2)


def test_the_procfile_in_production_over_tls_takes_a_request_to_suggestions(
        app, config, mail, make_volunteer, tmp_path):
    for _ in range(3):
        make_volunteer()
    cert, key = self_signed(tmp_path)
    port = free_port()
    base = f"https://127.0.0.1:{port}"
    env = process_env(config, tmp_path, PORTAL_ENV="production", PUBLIC_URL=base,
                      MAIL_STARTTLS="false", RATELIMIT_ENABLED="false", HOST="127.0.0.1",
                      PORT=str(port), WEB_CONCURRENCY="1", RELAY_SECONDS="1",
                      PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    commands = procfile()
    # TLS on gunicorn itself; no control socket, which two runs would share.
    commands["web"] += f" --certfile {shlex.quote(str(cert))} --keyfile {shlex.quote(str(key))}" \
                       " --no-control-socket"
    processes, logs = {}, {}
    try:
        for name, command in commands.items():
            logs[name] = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed below
            processes[name] = subprocess.Popen(["/bin/sh", "-c", f"exec {command}"], env=env,
                                               cwd=ROOT_DIR, stdout=logs[name],
                                               stderr=subprocess.STDOUT)
        browser = HttpsClient(base, cert)

        def healthy() -> bool:
            try:
                reply = browser.get("/healthz")
            except OSError:
                return False
            return reply.status_code == 200 and json.loads(reply.get_data())["workers"] == 2

        wait_until(healthy, 120, "a healthy /healthz with both workers", processes)
        assert "__Host-session" in browser.get("/sign-in").headers.get("Set-Cookie", "")

        wizard = Wizard(browser)
        wizard.fill()
        sent = wizard.submit()
        assert (sent.status_code, sent.headers["Location"]) == (303, "/request/sent")

        def address_check():
            return [m for m in mail if m["Subject"] == "Please confirm your email address"]

        wait_until(lambda: address_check(), 60, "the address-check email", processes)
        link = re.search(re.escape(base) + r"(/confirm/\S+)", address_check()[0].get_content())
        assert link, address_check()[0].get_content()
        from tests.conftest import csrf_token

        done = browser.post(link.group(1), {"csrf_token": csrf_token(browser)})
        assert "your address is confirmed" in done.get_data(as_text=True)

        def suggested() -> bool:
            with app.app_context():
                intake = db.session.execute(sa.select(Intake)).scalar_one()
                found = db.session.execute(sa.select(sa.func.count()).select_from(Suggestion)
                                           .where(Suggestion.intake_id == intake.id)).scalar()
                db.session.rollback()
                return found > 0

        wait_until(suggested, 90, "suggestions stored by the worker", processes)
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs.values():
            log.close()
    output = "".join((tmp_path / f"{name}.log").read_text(errors="replace") for name in commands)
    assert "Traceback" not in output, output[-6000:]
