"""Onboarding recorded by the coordinator: screened → trained → active; paused or retired later."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import (
    AuditEvent,
    Intake,
    IntakeState,
    Match,
    MatchState,
    OnboardingState,
    OutboxJob,
    User,
    VolunteerProfile,
    utcnow,
)
from portal.services import volunteers
from portal.services.errors import Conflict, InvalidTransition
from tests.conftest import HX, csrf_token


@pytest.fixture
def staff(client, auth, coordinator):
    """The coordinator, signed in."""
    auth.login(coordinator.email)
    return coordinator


def state_of(app, profile) -> VolunteerProfile:
    with app.app_context():
        return db.session.get(VolunteerProfile, profile.id)


def htmx_post(client, url, data=None):
    return client.post(url, data=data or {}, headers={**HX, "X-CSRFToken": csrf_token(client)})


def test_the_coordinator_records_each_step_and_the_volunteer_becomes_matchable(
        app, client, staff, make_volunteer, make_intake, make_offer):
    profile = make_volunteer(state=OnboardingState.APPLIED)
    base = f"/coordinator/volunteers/{profile.id}"
    page = client.get(base).get_data(as_text=True)
    assert "Record screening" in page and "not offered matches" in page
    with pytest.raises(Conflict, match="not active"):
        make_offer(make_intake(), profile)

    screened = htmx_post(client, f"{base}/screening", {"screened_on": "2026-01-15"})
    assert screened.status_code == 200
    assert screened.get_data(as_text=True).lstrip().startswith('<section id="onboarding"')
    assert "Record training" in screened.get_data(as_text=True)
    htmx_post(client, f"{base}/training", {"trained_on": "2026-02-20", "course": "Foundations"})
    active = htmx_post(client, f"{base}/activate")
    assert "can be offered matches" in active.get_data(as_text=True)

    saved = state_of(app, profile)
    assert saved.state == OnboardingState.ACTIVE
    assert (saved.screened_on, saved.screened_by_id) == (date(2026, 1, 15), staff.id)
    assert (saved.trained_on, saved.training_course) == (date(2026, 2, 20), "Foundations")
    with app.app_context():
        steps = db.session.execute(sa.select(AuditEvent.detail).where(
            AuditEvent.action == "transition", AuditEvent.subject_id == str(profile.id))
            .order_by(AuditEvent.id)).scalars().all()
        assert steps == ["applied->screened", "screened->trained", "trained->active"]
        assert db.session.execute(sa.select(OutboxJob).where(
            OutboxJob.kind == "recompute_for_volunteer")).scalar_one().ref == str(profile.id)
    assert make_offer(make_intake(), profile).state == MatchState.OFFERED


def test_steps_cannot_be_skipped(app, make_volunteer, coordinator):
    profile = make_volunteer(state=OnboardingState.APPLIED)
    with app.app_context():
        actor = db.session.get(User, coordinator.id)
        with pytest.raises(InvalidTransition):
            volunteers.activate(db.session, db.session.get(VolunteerProfile, profile.id),
                                actor=actor)


def test_an_incomplete_profile_cannot_be_made_active(client, staff, make_volunteer):
    profile = make_volunteer(state=OnboardingState.TRAINED, region=None)
    response = htmx_post(client, f"/coordinator/volunteers/{profile.id}/activate")
    assert response.status_code == 409
    assert "profile is not complete" in response.get_data(as_text=True)


@pytest.mark.parametrize("url, data, field, message", [
    ("screening", {"screened_on": ""}, "screened_on", "like 2026-03-31"),
    ("screening", {"screened_on": "+3"}, "screened_on", "today or an earlier day"),
    ("screening", {"screened_on": "1990-01-01"}, "screened_on", "in the last 10 years"),
])
def test_screening_dates_are_bounded(app, client, staff, make_volunteer, url, data, field, message):
    profile = make_volunteer(state=OnboardingState.APPLIED)
    if data[field].startswith("+"):
        data = {field: (utcnow().date() + timedelta(days=int(data[field]))).isoformat()}
    response = htmx_post(client, f"/coordinator/volunteers/{profile.id}/{url}", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    assert state_of(app, profile).state == OnboardingState.APPLIED


def test_training_cannot_predate_screening_and_needs_a_course(app, client, staff, make_volunteer):
    profile = make_volunteer(state=OnboardingState.SCREENED, screened_on=date(2026, 3, 1))
    url = f"/coordinator/volunteers/{profile.id}/training"
    early = htmx_post(client, url, {"trained_on": "2026-02-01", "course": "Foundations"})
    assert early.status_code == 422 and "before screening" in early.get_data(as_text=True)
    nameless = htmx_post(client, url, {"trained_on": "2026-03-02", "course": "  "})
    assert nameless.status_code == 422 and 'id="course-error"' in nameless.get_data(as_text=True)
    typed = client.post(url, data={"trained_on": "2026-03-02", "course": "x" * 121,
                                   "csrf_token": csrf_token(client)})
    assert typed.status_code == 422 and "<html" in typed.get_data(as_text=True)
    assert 'value="2026-03-02"' in typed.get_data(as_text=True)
    # Found by the hostile-input walk: a NUL in the course was a 500 on PostgreSQL.
    nul = htmx_post(client, url, {"trained_on": "2026-03-02", "course": "Found\x00ations"})
    assert nul.status_code == 422 and "cannot store" in nul.get_data(as_text=True)
    assert state_of(app, profile).state == OnboardingState.SCREENED


def test_without_javascript_a_step_returns_to_the_volunteer_page(client, staff, make_volunteer):
    profile = make_volunteer(state=OnboardingState.APPLIED)
    response = client.post(f"/coordinator/volunteers/{profile.id}/screening",
                           data={"screened_on": "2026-01-15", "csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert "Screening recorded" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_pausing_a_volunteer_withdraws_their_open_offers(app, client, staff, make_volunteer,
                                                         make_intake, make_offer):
    profile = make_volunteer()
    intake = make_intake()
    match = make_offer(intake, profile)
    response = htmx_post(client, f"/coordinator/volunteers/{profile.id}/pause")
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(VolunteerProfile, profile.id).state == OnboardingState.PAUSED
        assert db.session.get(Match, match.id).state == MatchState.WITHDRAWN
        assert db.session.get(Intake, intake.id).state == IntakeState.WAITING
    again = htmx_post(client, f"/coordinator/volunteers/{profile.id}/activate")
    assert "can be offered matches" in again.get_data(as_text=True)


def test_a_volunteer_still_supporting_someone_cannot_be_retired(app, client, staff,
                                                                 make_volunteer, make_intake,
                                                                 accepted):
    profile = make_volunteer()
    accepted(make_intake(), profile)
    response = htmx_post(client, f"/coordinator/volunteers/{profile.id}/retire")
    assert response.status_code == 409 and "still has 1 active" in response.get_data(as_text=True)
    free = make_volunteer()
    assert htmx_post(client, f"/coordinator/volunteers/{free.id}/retire").status_code == 200
    assert state_of(app, free).state == OnboardingState.RETIRED
    assert htmx_post(client, f"/coordinator/volunteers/{free.id}/activate").status_code == 409


def test_the_volunteer_list_shows_each_onboarding_step(client, staff, make_volunteer):
    make_volunteer(name="Avery", state=OnboardingState.SCREENED)
    make_volunteer(name="Blair", state=OnboardingState.ACTIVE)
    page = client.get("/coordinator/volunteers").get_data(as_text=True)
    assert page.index("Avery") < page.index("Blair")  # onboarding first
    assert "Screened" in page and "Active" in page
    assert "Invite a volunteer" in page


def test_the_volunteer_page_shows_the_profile_but_never_their_firm(client, staff, make_volunteer):
    profile = make_volunteer(name="Avery", firm="Secret Firm LLP",
                             note_for_coordinator="Prefers evenings")
    page = client.get(f"/coordinator/volunteers/{profile.id}").get_data(as_text=True)
    assert "Grief and loss" in page and "Prefers evenings" in page
    assert "Secret Firm" not in page


def test_an_unknown_volunteer_is_404(client, staff):
    unknown = "/coordinator/volunteers/00000000-0000-4000-8000-000000000000"
    assert client.get(unknown).status_code == 404
