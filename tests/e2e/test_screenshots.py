"""The main page of each journey, at 1280 and 390 px: it fits the screen, and a screenshot of
it goes to tests/e2e/screenshots/ (ignored by git; three of them illustrate the README)."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest

from portal.db import db
from portal.models import User
from tests.conftest import PASSWORD, STAFF_SECRETS

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SHOTS = Path(__file__).parent / "screenshots"
WIDTHS = (1280, 390)


def sign_in(page, email, staff=False):
    page.goto(page.base_url + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    if staff:
        page.wait_for_url("**/sign-in/verify")
        page.fill("#code", pyotp.TOTP(STAFF_SECRETS[email]).now())
        page.click("form[action$='/sign-in/verify'] button[type=submit]")
    page.wait_for_load_state()


def shoot(page, path: str, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(page.base_url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, (path, width)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=width == 390)


def offer(app, intake, profile, staff):
    from portal.models import Intake, VolunteerProfile
    from portal.services import offers

    with app.app_context():
        match = offers.make_offer(db.session, db.session.get(Intake, intake.id),
                                  db.session.get(VolunteerProfile, profile.id),
                                  actor=db.session.get(User, staff.id))
        db.session.commit()
        return match


def fill_the_lists(app, make_user) -> None:
    """A month of deliveries (long errors, every status) and a directory of long names."""
    from portal.models import Notification, ReferralResource
    from portal.models.notifications import DeliveryStatus

    people = [make_user(role) for role in ("participant", "volunteer", "coordinator")]
    with app.app_context():
        for index in range(40):
            status = list(DeliveryStatus)[index % len(DeliveryStatus)]
            db.session.add(Notification(
                recipient_id=people[index % 3].id, kind="offer", status=status, attempts=index % 4,
                last_error="SMTPRecipientsRefused: 550 5.1.1 mailbox unavailable at "
                           "relay-north.mail.example.org" if index % 2 else None))
        for index in range(30):
            db.session.add(ReferralResource(
                name=f"Counselling and wellbeing programme for legal professionals {index}",
                category="counselling", phone="1-800-555-0199 extension 4410",
                url=f"https://wellbeing.example.org/programmes/legal-professionals/{index}/intake",
                hours="Weekdays 8:30 to 17:00, Saturdays 9:00 to 12:00"))
        db.session.commit()


def test_email_deliveries_and_the_directory_fit_a_phone_with_many_rows(page, app, make_user):
    fill_the_lists(app, make_user)
    staff = make_user("coordinator")
    sign_in(page, staff.email, staff=True)
    for path in ("/notifications/deliveries", "/coordinator/resources/"):
        page.goto(page.base_url + path)
        assert page.locator("tbody tr").count() >= 30, path
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, (path, width)


def test_the_three_journeys_main_pages(page, app, make_user, make_intake, make_volunteer):
    intake = make_intake(alias="Sam", concerns=["grief_loss", "stress_burnout"],
                         primary_concern="grief_loss")
    with app.app_context():
        participant = db.session.get(User, intake.participant_id).email
    sign_in(page, participant)
    shoot(page, "/my", "participant-home")
    page.context.clear_cookies()

    staff = make_user("coordinator")
    profile = make_volunteer(name="Avery Stone")
    match = offer(app, make_intake(alias="Morgan"), profile, staff)
    with app.app_context():
        volunteer = db.session.get(User, profile.user_id).email
    sign_in(page, volunteer)
    shoot(page, f"/volunteer/offers/{match.id}", "volunteer-offer")
    page.context.clear_cookies()

    sign_in(page, staff.email, staff=True)
    shoot(page, "/coordinator/", "coordinator-today")
    shoot(page, f"/coordinator/intakes/{intake.id}", "coordinator-request")
    shoot(page, "/notifications/deliveries", "coordinator-deliveries")
    shoot(page, "/coordinator/resources/", "coordinator-directory")


def test_at_1280_the_report_tables_show_the_latest_months_and_the_total(page, make_user):
    staff = make_user("coordinator")
    sign_in(page, staff.email, staff=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(page.base_url + "/coordinator/reports/")
    regions = page.eval_on_selector_all(
        "#report .table-scroll", "els => els.map(e => [e.scrollWidth, e.clientWidth])")
    assert len(regions) == 3  # activity, closures, regions
    assert all(scroll <= client for scroll, client in regions), regions  # nothing out of sight
    assert page.is_visible("#report th:text-is('Total')")
