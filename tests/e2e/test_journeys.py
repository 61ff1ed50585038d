"""The three journeys end to end in Debian's chromium, against the portal as ``make run`` starts
it (portal/devrun.py: web, worker, mail lane and clock through honcho, an embedded Redis,
SQLite with the demo program) sending its email to a real SMTP server (aiosmtpd).

A person asks for a peer and confirms their address from the email; a coordinator sets up
their second step, finds the request and offers it to a suggested volunteer; the volunteer says
yes; the person sees their peer; an admin reads the reports, the audit log and the settings.
Every page on the way is checked by ``tests.e2e.screens`` (axe-core, the screen's width, with
and without JavaScript) and the main ones are photographed at 1280 and 390 px.

The pages a person of each role reads whatever the journey's request has done (their account,
the coordinator's lists, the volunteer's own settings) are each role's tour, a test of its own
on a demo account, so that test workers share them out instead of one worker walking them all
after the request. Each test worker starts its own portal for the module."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pyotp
import pytest

from portal.demo import DEMO_PASSWORD, FIRST_NAMES
from tests.conftest import PASSWORD, ROOT_DIR, Mailbox, free_port, watch_console
from tests.e2e.screens import Screens

pytestmark = [pytest.mark.slow, pytest.mark.browser]
EMAIL = "sam.journey@example.org"


@pytest.fixture(scope="module")
def smtp():
    """A real SMTP server for the module; yields (its port, the messages it received)."""
    from aiosmtpd.controller import Controller

    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, box
    controller.stop()


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:  # noqa: S310 - our loopback server
            return reply.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def portal(smtp, tmp_path_factory):
    """``python -m portal.devrun`` on a port of its own, as ``make run`` starts it."""
    folder = tmp_path_factory.mktemp("devrun")
    port = free_port()
    env = {name: value for name, value in os.environ.items()
           if name not in ("REDIS_URL", "DATABASE_URL", "PORTAL_ENV", "PUBLIC_URL")}
    env.update(PORTAL_INSTANCE=str(folder / "instance"), MAIL_BACKEND="smtp",
               MAIL_HOST="127.0.0.1", MAIL_PORT=str(smtp[0]), MAIL_STARTTLS="false",
               RATELIMIT_ENABLED="false", RELAY_SECONDS="1", WEB_CONCURRENCY="1",
               # gunicorn's control socket lives in the home folder: two runs would share it.
               GUNICORN_CMD_ARGS="--no-control-socket")
    log = open(folder / "devrun.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen([sys.executable, "-m", "portal.devrun", "--port", str(port)],
                               cwd=ROOT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while not answers(base + "/healthz"):
            assert process.poll() is None, (folder / "devrun.log").read_text()[-4000:]
            assert time.monotonic() < deadline, "the portal did not answer in 120 s"
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)  # devrun stops honcho's processes, then Redis
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    output = (folder / "devrun.log").read_text(errors="replace")
    assert "Traceback" not in output, output[-6000:]


@pytest.fixture
def screen(browser, portal):
    """A fresh browser context on the portal, and the checks of each page it reaches."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = watch_console(context.new_page())
    page.base_url = portal
    page.on("response", lambda r: page.console_problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.status != 422 else None)
    yield Screens(page)
    context.close()


def refused(screens: Screens) -> list[str]:
    """Console errors and policy violations, but for the 422 of the step sent with an error."""
    return [text for text in screens.page.console_problems if "status of 422" not in text]


def go(screens: Screens, path: str, what: str, shot: str | None = None):
    screens.page.goto(screens.page.base_url + path)
    screens.check(what, shot)
    return screens.page


def continue_to(page, path: str) -> None:
    page.click("#wizard .wizard-actions button.button:not(.secondary)")
    page.wait_for_url(f"**{path}")
    page.wait_for_selector("#wizard-title:focus, #wizard [aria-invalid='true']:focus")


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(page.base_url + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


# The demo staff's authenticators, set up by their first sign-in on each portal:
# (portal, email) → [secret, the last 30-second step used] (a code is good once).
AUTHENTICATORS: dict[tuple[str, str], list] = {}


def fresh_code(authenticator: list) -> str:
    """A code of a step after the last one used, within the step either side of now."""
    secret, last = authenticator
    while (step := max(last + 1, int(time.time() // 30))) > int(time.time() // 30) + 1:
        time.sleep(1)  # two sign-ins took this step and the next: the next comes in < 30 s
    authenticator[1] = step
    return pyotp.TOTP(secret).at(step * 30)


def sign_in_staff(screens: Screens, email: str) -> None:
    """A demo staff member signs in: the first time on a portal, the authenticator is set up
    from the page's key (both pages checked); after that, a code from it."""
    page = screens.page
    sign_in(page, email)
    authenticator = AUTHENTICATORS.get((page.base_url, email))
    if authenticator is not None:
        page.wait_for_url("**/sign-in/verify")
        page.fill("#code", fresh_code(authenticator))
        page.click("main button[type=submit]")
        page.wait_for_url("**/coordinator/")
        return
    page.wait_for_url("**/sign-in/setup")
    screens.check("setting up the second step")
    secret = re.sub(r"\s", "", page.inner_text("main code"))
    authenticator = AUTHENTICATORS[(page.base_url, email)] = [secret, -1]
    page.fill("#code", fresh_code(authenticator))
    page.click("main button[type=submit]")
    page.wait_for_url("**/sign-in/recovery-codes")
    screens.check("recovery codes")
    page.click("main a.button")
    page.wait_for_url("**/coordinator/")


def new_screens(browser, portal) -> Screens:
    """Another person's browser (a context of its own) on the portal."""
    screens = Screens(watch_console(browser.new_context().new_page()))
    screens.page.base_url = portal
    return screens


def ask_for_a_peer(screens: Screens, email: str, check: bool) -> None:
    """From the front door through every step of the request to "check and send" (each page
    examined on the way if ``check``)."""
    def look(what: str, shot: str | None = None) -> None:
        if check:
            screens.check(what, shot)

    page = screens.page
    page.goto(page.base_url + "/")
    look("the front door", "front-door")
    page.click("main >> text=Ask for a peer")
    page.wait_for_url("**/request")
    look("the safety question")
    page.click("button[value=no]")
    page.wait_for_url("**/request/about")
    page.fill("#alias", "Sam Journey")
    page.check("#member_type-0")
    page.select_option("#career_band", "6_10")
    page.select_option("#region", "calgary")
    continue_to(page, "/request/about")  # no language chosen: the step says so
    look("a step with an error")
    page.check("#languages-0")
    continue_to(page, "/request/support")
    look("what support")
    page.check("#concerns-0")
    continue_to(page, "/request/preferences")
    look("preferences")
    continue_to(page, "/request/availability")
    look("availability")
    page.check("#cell-mon_evening")
    continue_to(page, "/request/contact")
    look("contact")
    page.fill("#email", email)
    continue_to(page, "/request/conflicts")
    look("people to avoid")
    continue_to(page, "/request/consent")
    look("check and send", "participant-consent")


def test_every_step_of_a_request_passes_the_page_checks(screen):
    """The front door and each step as a new visitor sees it, one with an error; not sent (the
    journey below sends the same answers)."""
    go(screen, "/privacy", "privacy")
    ask_for_a_peer(screen, "sam.steps@example.org", check=True)
    assert screen.problems == []
    assert refused(screen) == []


@pytest.mark.timeout(600)  # some fifteen pages, each examined four ways
def test_a_request_goes_from_the_front_door_to_a_peer_who_said_yes(screen, browser, portal, smtp):
    ask_for_a_peer(screen, EMAIL, check=False)
    page = screen.page
    page.check("#principles")
    page.check("#storage")
    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    page.click("text=Send my request")
    page.wait_for_url("**/request/sent")
    screen.check("sent")

    _port, box = smtp
    deadline = time.monotonic() + 60
    while not [m for m in box if m["To"] == EMAIL]:
        assert time.monotonic() < deadline, "no address-check email"
        time.sleep(0.2)
    letter = next(m for m in box if m["To"] == EMAIL).get_content()
    page.goto(re.search(r"https?://\S+/confirm/\S+", letter).group(0))
    screen.check("confirm the address")
    page.click("text=Confirm my address")
    page.wait_for_selector("text=your address is confirmed")
    sign_in(page, EMAIL, PASSWORD)
    page.wait_for_url("**/my")
    screen.check("the participant's page", "participant-home")

    staff = new_screens(browser, portal)
    coordinator = staff.page
    sign_in_staff(staff, "coordinator@example.org")
    staff.check("today", "coordinator-today")
    coordinator.click("#today-queue >> text=Sam Journey")
    coordinator.wait_for_selector("#intake-work")
    coordinator.wait_for_selector("#intake-suggestions button:has-text('Offer to')", timeout=60_000)
    staff.check("the request", "coordinator-request")
    offer = coordinator.locator("#intake-suggestions button:has-text('Offer to')").first
    name = offer.inner_text().removeprefix("Offer to ").strip()
    offer.click()
    coordinator.wait_for_selector("#intake-work >> text=The offer is on its way")
    coordinator.goto(coordinator.base_url + "/coordinator/volunteers")
    coordinator.click(f"main a:text-is('{name}')")
    coordinator.wait_for_url("**/coordinator/volunteers/*")
    staff.check("a volunteer's record")
    coordinator.context.close()

    volunteer = new_screens(browser, portal)
    sign_in(volunteer.page, f"volunteer{FIRST_NAMES.index(name) + 1}@example.org")
    volunteer.page.wait_for_url("**/volunteer/")
    volunteer.check("the volunteer's home", "volunteer-home")
    go(volunteer, "/volunteer/offers", "offers")
    volunteer.page.click("main a:has-text('offer'), main a:has-text('Offer')")
    volunteer.page.wait_for_url("**/volunteer/offers/*")
    volunteer.check("an offer", "volunteer-offer")
    volunteer.page.click("text=Yes, I can support them")
    volunteer.page.wait_for_selector("#introduction")
    volunteer.check("the introduction", "volunteer-relationship")
    assert "Sam Journey" in volunteer.page.inner_text("#introduction")
    go(volunteer, "/volunteer/relationships", "people you support")
    volunteer.page.context.close()

    page.goto(page.base_url + "/my")
    screen.check("the participant's page with a peer")
    go(screen, "/my/change", "ask for a change")
    assert screen.problems + staff.problems + volunteer.problems == []
    assert refused(screen) == [] and refused(staff) == [] and refused(volunteer) == []


def test_a_participant_reads_their_own_pages_while_they_wait(screen):
    """A demo member with a request waiting (as the journey's is, once confirmed)."""
    sign_in(screen.page, "participant2@example.org")
    screen.page.wait_for_url("**/my")
    for path, what in (("/my/data", "my information"), ("/my/pause", "pause"), ("/my/withdraw", "withdraw"),
                       ("/my/delete", "delete"), ("/notifications/", "notifications"),
                       ("/account", "account")):
        go(screen, path, what)
    assert screen.problems == []
    assert refused(screen) == []


def test_a_coordinator_reads_the_programs_lists_and_forms(browser, portal):
    staff = new_screens(browser, portal)
    sign_in_staff(staff, "coordinator@example.org")
    for path, what, shot in (("/coordinator/volunteers", "volunteers", "coordinator-volunteers"),
                             ("/coordinator/volunteers/invite", "invite a volunteer", None),
                             ("/coordinator/intakes/new", "enter a request", None),
                             ("/coordinator/plan/", "plan", None),
                             ("/coordinator/resources/", "referral directory", "coordinator-directory"),
                             ("/coordinator/resources/new", "add a resource", None),
                             ("/coordinator/reports/", "reports", "coordinator-reports"),
                             ("/notifications/deliveries", "email deliveries", "coordinator-deliveries"),
                             ("/account/passkeys", "passkeys", None)):
        go(staff, path, what, shot)
    staff.page.context.close()
    assert staff.problems == []
    assert refused(staff) == []


def test_a_volunteer_reads_their_own_settings_and_the_directory(browser, portal):
    """The demo's first volunteer, active."""
    volunteer = new_screens(browser, portal)
    sign_in(volunteer.page, "volunteer1@example.org")
    volunteer.page.wait_for_url("**/volunteer/")
    for path, what in (("/volunteer/availability", "weekly times"), ("/volunteer/care", "care"),
                       ("/volunteer/profile", "profile"), ("/volunteer/referrals", "referrals")):
        go(volunteer, path, what)
    volunteer.page.context.close()
    assert volunteer.problems == []
    assert refused(volunteer) == []


def test_an_admin_reads_the_program_at_a_glance(screen):
    sign_in_staff(screen, "admin@example.org")
    for path, what, shot in (("/admin/staff", "staff", None), ("/admin/audit", "audit log", "admin-audit"),
                             ("/admin/settings", "settings", "admin-settings"),
                             ("/coordinator/reports/?period=quarter", "reports by quarter", None)):
        go(screen, path, what, shot)
    assert screen.problems == []
    assert refused(screen) == []
