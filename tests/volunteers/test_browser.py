"""The volunteer's side in a real browser: the grid switches in place, an offer is accepted."""

from __future__ import annotations

import pytest

from portal.db import db
from portal.models import VolunteerProfile
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def sign_in(page, email):
    page.goto(page.base_url + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/volunteer/")


def test_a_volunteer_keeps_times_current_and_says_yes_without_policy_violations(
        app, page, make_volunteer, make_intake, make_offer, email_of):
    profile = make_volunteer(availability_mask=0)
    match = make_offer(make_intake(alias="Sam"), profile)
    sign_in(page, email_of(profile))

    page.click("text=Your weekly times, time away, or a pause")
    page.wait_for_selector("#availability-grid")
    page.wait_for_selector("html.js-htmx", state="attached")  # the scripts are deferred
    assert not page.is_visible("#availability-grid button[type=submit]")  # saves as you go
    page.evaluate("window.portalMarker = 'same page'")
    page.click("label[for=cell-input-0]")
    page.wait_for_selector("#cell-0.is-on")
    page.click("label[for=cell-input-27]")
    page.wait_for_selector("#cell-27.is-on")
    page.click("label[for=cell-input-0]")
    page.wait_for_selector("#cell-0:not(.is-on)")
    assert page.evaluate("window.portalMarker") == "same page"  # no reload
    with app.app_context():
        assert db.session.get(VolunteerProfile, profile.id).availability_mask == 1 << 27

    page.goto(page.base_url + f"/volunteer/offers/{match.id}")
    offer = page.inner_text("#offer")
    assert "Grief and loss" in offer and "Sam" not in offer  # no name before a yes
    page.click("text=Yes, I can support them")
    page.wait_for_url(f"**/volunteer/relationships/{match.id}")
    page.wait_for_selector("#introduction")
    assert "Thank you for saying yes" in page.inner_text("#flash")
    assert "Sam" in page.inner_text("#introduction")
    assert page.console_problems == []
