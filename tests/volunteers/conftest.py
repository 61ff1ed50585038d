"""Volunteer fixtures on top of the shared ones: a signed-in volunteer, a coordinator, offers."""

from __future__ import annotations

import pytest

from portal.db import db
from portal.models import Match, User, VolunteerProfile


@pytest.fixture
def coordinator(make_user):
    """A coordinator account (not signed in)."""
    return make_user("coordinator")


@pytest.fixture
def email_of(app):
    """email_of(profile) → the volunteer's sign-in email."""

    def email(profile: VolunteerProfile) -> str:
        with app.app_context():
            return db.session.get(User, profile.user_id).email

    return email


@pytest.fixture
def sign_in(auth, email_of):
    """sign_in(profile) → the volunteer is signed in on ``client``."""

    def sign(profile: VolunteerProfile) -> VolunteerProfile:
        response = auth.login(email_of(profile))
        assert response.status_code in (302, 303)
        return profile

    return sign


@pytest.fixture
def volunteer(make_volunteer, sign_in):
    """An active volunteer, signed in."""
    return sign_in(make_volunteer())


@pytest.fixture
def make_offer(app, coordinator):
    """make_offer(intake, volunteer) → an offered Match, made by the coordinator and committed."""
    from portal.services import offers

    def make(intake, volunteer_profile) -> Match:
        with app.app_context():
            session = db.session
            match = offers.make_offer(session, session.get(type(intake), intake.id),
                                      session.get(VolunteerProfile, volunteer_profile.id),
                                      actor=session.get(User, coordinator.id))
            session.commit()
            return match

    return make


@pytest.fixture
def accepted(app, make_offer):
    """accepted(intake, volunteer) → an active Match (the volunteer said yes)."""
    from portal.services import offers

    def accept(intake, volunteer_profile) -> Match:
        match = make_offer(intake, volunteer_profile)
        with app.app_context():
            session = db.session
            actor = session.get(User, volunteer_profile.user_id)
            match = offers.accept(session, session.get(Match, match.id), actor=actor)
            session.commit()
            return match

    return accept
