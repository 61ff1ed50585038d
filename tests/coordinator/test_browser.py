"""The coordinator's day in a real browser: Today, a request, a reveal and an offer, in place."""

from __future__ import annotations

import pyotp
import pytest

from portal.db import db
from portal.models import Intake, IntakeState
from tests.conftest import PASSWORD, STAFF_SECRETS

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def problems(page) -> list[str]:
    """Console errors and policy violations; a 422 is the expected answer to an invalid form."""
    return [text for text in page.console_problems if "status of 422" not in text]


def sign_in_staff(page, email):
    page.goto(page.base_url + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/sign-in/verify")
    page.fill("#code", pyotp.TOTP(STAFF_SECRETS[email]).now())
    page.click("main button[type=submit]")
    page.wait_for_url("**/coordinator/")


def test_a_coordinator_triages_reveals_and_offers_without_leaving_the_page(
        app, page, make_user, make_intake, make_volunteer, suggest):
    coordinator = make_user("coordinator")
    intake = make_intake(alias="Morgan", urgent=True, phone="403 555 0199")
    make_intake(alias="Quiet One")
    make_volunteer(name="Avery Stone")
    suggest(intake)
    sign_in_staff(page, coordinator.email)

    queue = page.inner_text("#today-queue")
    assert queue.index("Morgan") < queue.index("Quiet One") and "Urgent" in queue
    page.click("#today-queue >> text=Morgan")
    page.wait_for_selector("#intake-work")
    assert "403 555 0199" not in page.content()

    page.evaluate("window.portalMarker = 'same page'")
    page.check("#intake-sensitive input[value=contact]")
    page.check("#intake-sensitive input[value=arrange_contact]")
    page.click("#intake-sensitive button[type=submit]")
    page.wait_for_selector("#revealed-contact")
    assert "403 555 0199" in page.inner_text("#intake-sensitive")

    page.click("#manual-match >> text=Choose a volunteer yourself")
    page.wait_for_selector("#manual-match select")
    page.select_option("#manual-match select", label="Avery Stone")
    page.click("#manual-match button[type=submit]")  # no reason yet: the form says so in place
    page.wait_for_selector("#manual-match .error")
    page.check("#manual-match input[value=sooner]")
    page.click("#manual-match button[type=submit]")
    page.wait_for_selector("#intake-work >> text=The offer is on its way")
    assert page.evaluate("window.portalMarker") == "same page"  # swapped in place, no reload
    with app.app_context():
        assert db.session.get(Intake, intake.id).state == IntakeState.OFFERED
    assert problems(page) == []


def test_acknowledging_a_safety_concern_updates_today_in_place(
        page, make_user, make_intake, make_volunteer, safety_check_in):
    coordinator = make_user("coordinator")
    safety_check_in(make_intake(alias="Needs Care"), make_volunteer(name="Watchful"))
    sign_in_staff(page, coordinator.email)
    assert "safety concern to take on" in page.inner_text("#today-counts")
    page.evaluate("window.portalMarker = 'same page'")
    page.click("#today-safety >> text=I have taken this on")
    page.wait_for_selector("#today-safety >> text=marked as taken on")
    page.wait_for_selector("#today-counts >> text=safety concern", state="detached")
    assert page.evaluate("window.portalMarker") == "same page"
    assert problems(page) == []
