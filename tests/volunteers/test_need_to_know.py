"""What a volunteer sees before and after saying yes, and that nobody sees another's offers."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import AuditEvent, User
from tests.conftest import HX, csrf_token

NOTE = "Canary note about my situation"
PHONE = "403-555-0199"
FIRM = "Canary Firm Barristers"
TIMES = "Canary evenings after seven"


@pytest.fixture
def intake(make_intake):
    return make_intake(alias="Sam", note=NOTE, phone=PHONE, voicemail_ok=True,
                       contact_times=TIMES, firms=[FIRM], region="red_deer",
                       concerns=["grief_loss", "isolation"], primary_concern="isolation",
                       availability_mask=(1 << 0) | (1 << 27))


@pytest.fixture
def participant_email(app, intake):
    with app.app_context():
        return db.session.get(User, intake.participant_id).email


def test_before_a_yes_the_offer_shows_only_what_is_needed_to_decide(
        app, client, intake, participant_email, make_volunteer, make_offer, sign_in):
    profile = make_volunteer(availability_mask=1 << 27)
    match = make_offer(intake, profile)
    sign_in(profile)
    page = client.get(f"/volunteer/offers/{match.id}").get_data(as_text=True)
    for shown in ("Isolation", "Grief and loss", "Usually free on weekdays", "Morning",
                  "Usually free on weekends", "Evening", "you too"):
        assert shown in page
    assert page.index("Isolation") < page.index("Grief and loss")  # what matters most first
    for hidden in ("Sam", "Red Deer", "Monday", "Sunday", NOTE, PHONE, "4035550199", FIRM,
                   TIMES, participant_email):
        assert hidden not in page
    with app.app_context():
        look = db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.action == "view", AuditEvent.subject_id == str(intake.id))).scalar_one()
        assert look.detail == "offer" and look.actor_id == profile.user_id


def test_after_a_yes_the_introduction_shares_contact_as_consented(
        app, client, intake, participant_email, make_volunteer, accepted, sign_in):
    profile = make_volunteer()
    match = accepted(intake, profile)
    sign_in(profile)
    page = client.get(f"/volunteer/relationships/{match.id}").get_data(as_text=True)
    for shown in ("Sam", participant_email, PHONE, TIMES, "a voicemail is fine"):
        assert shown in page
    for hidden in (NOTE, FIRM):
        assert hidden not in page
    with app.app_context():
        assert db.session.execute(sa.select(AuditEvent.detail).where(
            AuditEvent.action == "view", AuditEvent.subject_id == str(intake.id))
        ).scalars().all() == ["introduction"]


def test_an_accepted_offer_link_leads_to_the_introduction(client, intake, make_volunteer,
                                                          accepted, sign_in):
    profile = make_volunteer()
    match = accepted(intake, profile)
    sign_in(profile)
    response = client.get(f"/volunteer/offers/{match.id}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/volunteer/relationships/{match.id}"


def test_after_closing_contact_details_are_no_longer_shown(app, client, intake, make_volunteer,
                                                          accepted, sign_in):
    from portal.models import Match
    from portal.services import relationships

    profile = make_volunteer()
    match = accepted(intake, profile)
    with app.app_context():
        relationships.close_relationship(db.session, db.session.get(Match, match.id),
                                         actor=db.session.get(User, profile.user_id),
                                         reason="completed")
        db.session.commit()
    sign_in(profile)
    page = client.get(f"/volunteer/relationships/{match.id}").get_data(as_text=True)
    assert "has ended" in page and PHONE not in page and TIMES not in page


@pytest.mark.parametrize("method, path", [
    ("get", "/volunteer/offers/{id}"),
    ("post", "/volunteer/offers/{id}/accept"),
    ("post", "/volunteer/offers/{id}/decline"),
    ("get", "/volunteer/relationships/{id}"),
    ("post", "/volunteer/relationships/{id}/check-ins"),
    ("get", "/volunteer/relationships/{id}/change"),
    ("post", "/volunteer/relationships/{id}/change"),
    ("post", "/volunteer/relationships/{id}/close"),
])
def test_another_volunteers_offer_answers_404_so_ids_are_not_confirmed(
        app, client, intake, make_volunteer, make_offer, sign_in, method, path):
    owner, stranger = make_volunteer(), make_volunteer()
    match = make_offer(intake, owner)
    sign_in(stranger)
    url = path.format(id=match.id)
    response = getattr(client, method)(url, headers={**HX, "X-CSRFToken": csrf_token(client)})
    assert response.status_code == 404
    unknown = url.replace(str(match.id), "00000000-0000-4000-8000-000000000000")
    missing = getattr(client, method)(unknown, headers={**HX, "X-CSRFToken": csrf_token(client)})
    assert missing.status_code == 404 and missing.get_data() == response.get_data()
    from portal.models import Match, MatchState

    with app.app_context():
        assert db.session.get(Match, match.id).state == MatchState.OFFERED
