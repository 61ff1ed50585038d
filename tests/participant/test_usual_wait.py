"""An honest wait: the participant's page says how long people usually waited lately, only when
enough requests make it up, and never as a promise."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.db import db
from portal.models import IntakeState, Match, MatchState, utcnow
from portal.services.usual_wait import usual_wait_days


@pytest.fixture
def introduced(app, make_intake, make_volunteer):
    """introduced(n, waited_days) → n requests introduced lately after that wait."""
    profile = make_volunteer()

    def make(n: int, waited_days: float):
        now = utcnow()
        for _ in range(n):
            intake = make_intake(state=IntakeState.MATCHED,
                                 submitted_at=now - timedelta(days=waited_days + 1))
            with app.app_context():
                db.session.add(Match(intake_id=intake.id, volunteer_id=profile.id,
                                     state=MatchState.ACTIVE, offered_at=now - timedelta(days=1),
                                     activated_at=now - timedelta(days=1)))
                db.session.commit()

    return make


def wait_sentence(client, program, make_user, auth) -> str:
    user = make_user("participant")
    program.intake(user)
    auth.login(user.email)
    page = client.get("/my").get_data(as_text=True)
    start = page.find("Lately, people")
    return page[start:page.find("</p>", start)] if start >= 0 else ""


def test_too_few_requests_lately_say_nothing(app, introduced):
    introduced(9, waited_days=4)  # the threshold is 10
    with app.app_context():
        assert usual_wait_days(db.session) is None


def test_enough_requests_give_the_median_in_days(app, client, introduced, program, make_user,
                                                 auth):
    introduced(10, waited_days=4)
    sentence = wait_sentence(client, program, make_user, auth)
    assert "within about 4 days of asking" in sentence and "not a promise" in sentence


def test_a_longer_wait_is_said_in_weeks_rounded_up(app, introduced):
    introduced(10, waited_days=15)
    with app.app_context():
        assert usual_wait_days(db.session) == 21


def test_introductions_long_ago_do_not_count(app, make_intake, make_volunteer):
    profile = make_volunteer()
    old = utcnow() - timedelta(days=200)
    for _ in range(12):
        intake = make_intake(state=IntakeState.MATCHED, submitted_at=old)
        with app.app_context():
            db.session.add(Match(intake_id=intake.id, volunteer_id=profile.id,
                                 state=MatchState.ACTIVE, offered_at=old, activated_at=old))
            db.session.commit()
    with app.app_context():
        assert usual_wait_days(db.session) is None
