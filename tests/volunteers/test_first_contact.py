"""After a yes, nothing goes quiet: the volunteer confirms a first contact in one click; without
one, a reminder to the volunteer, then the coordinators told; before an unanswered offer ends, a
reminder. Each is a neutral notification, sent once however often the clock runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.db import db
from portal.models import Match, Notification, User, utcnow
from portal.services import follow_through
from tests.conftest import HX, csrf_token


def kinds_for(app, user_id) -> list[str]:
    with app.app_context():
        return sorted(db.session.execute(sa.select(Notification.kind).where(
            Notification.recipient_id == user_id)).scalars())


def run_clock(app, days: float = 0, hours: float = 0) -> dict:
    with time_machine.travel(utcnow() + timedelta(days=days, hours=hours), tick=False), \
            app.app_context():
        sent = follow_through.send_due_reminders(db.session)
        db.session.commit()
        return sent


@pytest.fixture
def pair(make_intake, make_volunteer, accepted):
    profile = make_volunteer()
    return accepted(make_intake(), profile), profile


def test_no_first_contact_after_three_days_reminds_the_volunteer_once(app, pair):
    match, profile = pair
    assert run_clock(app, days=2)["first_contact_reminder"] == 0
    assert run_clock(app, days=3.1)["first_contact_reminder"] == 1
    assert run_clock(app, days=3.2)["first_contact_reminder"] == 0  # once
    assert kinds_for(app, profile.user_id).count("first_contact_reminder") == 1


def test_still_none_after_five_days_tells_every_coordinator_once(app, pair, coordinator):
    run_clock(app, days=3.1)
    assert run_clock(app, days=5.1)["first_contact_overdue"] == 1
    run_clock(app, days=6)
    assert kinds_for(app, coordinator.id).count("first_contact_overdue") == 1


def test_we_have_spoken_stops_every_reminder(app, client, pair, sign_in):
    match, profile = pair
    sign_in(profile)
    response = client.post(f"/volunteer/relationships/{match.id}/first-contact",
                           data={"csrf_token": csrf_token(client)}, headers=HX)
    assert response.status_code == 200 and "Nobody will remind you" in response.get_data(
        as_text=True)
    assert set(run_clock(app, days=10).values()) == {0}
    page = client.get(f"/volunteer/relationships/{match.id}").get_data(as_text=True)
    assert "We have spoken" not in page


def test_a_check_in_counts_as_a_first_contact(program_today, app, client, pair, sign_in):
    match, profile = pair
    sign_in(profile)
    today = program_today.isoformat()
    client.post(f"/volunteer/relationships/{match.id}/check-ins",
                data={"occurred_on": today, "mode": "phone", "flag": "going_well",
                      "csrf_token": csrf_token(client)})
    with app.app_context():
        assert db.session.get(Match, match.id).first_contact_at is not None


def test_the_button_works_without_javascript(app, client, pair, sign_in):
    match, profile = pair
    sign_in(profile)
    page = client.get(f"/volunteer/relationships/{match.id}").get_data(as_text=True)
    assert "We have spoken" in page
    response = client.post(f"/volunteer/relationships/{match.id}/first-contact",
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 200 and "<html" in response.get_data(as_text=True)


def test_another_volunteer_cannot_confirm_it(app, client, pair, make_volunteer, sign_in):
    match, _profile = pair
    sign_in(make_volunteer())
    response = client.post(f"/volunteer/relationships/{match.id}/first-contact",
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Match, match.id).first_contact_at is None


def test_an_offer_about_to_end_reminds_the_volunteer_once(app, make_intake, make_volunteer,
                                                          make_offer):
    profile = make_volunteer()
    make_offer(make_intake(), profile)  # 72 hours to answer
    assert run_clock(app, hours=40)["offer_expiring"] == 0
    assert run_clock(app, hours=50)["offer_expiring"] == 1
    assert run_clock(app, hours=60)["offer_expiring"] == 0
    assert kinds_for(app, profile.user_id).count("offer_expiring") == 1


def test_the_reminders_follow_the_settings(app, pair):
    from portal.services import settings

    with app.app_context():
        settings.put(db.session, "first_contact_days", {"remind": 1, "escalate": 2})
        db.session.commit()
    assert run_clock(app, days=1.1)["first_contact_reminder"] == 1


def test_the_quiet_reminders_follow_the_settings(app, pair, coordinator):
    from portal.services import settings

    match, _profile = pair
    spoken(app, match, weeks_ago=0)
    with app.app_context():
        settings.put(db.session, "quiet_weeks", {"remind": 1, "escalate": 2})
        db.session.commit()
    assert run_clock(app, days=8)["quiet_reminder"] == 1
    assert run_clock(app, days=15)["quiet_relationship"] == 1


def test_a_reminder_says_nothing_in_the_email(app, pair, mail, run_jobs):
    from tests.volunteers.test_invitations import BANNED

    match, profile = pair
    run_jobs()
    before = len(mail)
    run_clock(app, days=3.1)
    run_jobs()
    with app.app_context():
        email = db.session.get(User, profile.user_id).email
    new = [m for m in mail[before:] if m["To"] == email]
    assert len(new) == 1
    words = (new[0]["Subject"] + new[0].get_content()).lower()
    assert [w for w in BANNED if w in words] == []


def spoken(app, match, weeks_ago: float):
    with app.app_context():
        db.session.get(Match, match.id).first_contact_at = utcnow() - timedelta(weeks=weeks_ago)
        db.session.commit()


def test_a_quiet_relationship_reminds_the_volunteer_then_tells_the_coordinators(
        app, pair, coordinator):
    match, profile = pair
    spoken(app, match, weeks_ago=0)
    assert run_clock(app, days=20)["quiet_reminder"] == 0
    assert run_clock(app, days=29)["quiet_reminder"] == 1
    assert run_clock(app, days=30)["quiet_reminder"] == 0
    assert run_clock(app, days=43)["quiet_relationship"] == 1
    assert kinds_for(app, coordinator.id).count("quiet_relationship") == 1


def test_a_check_in_starts_the_quiet_count_again(program_today, app, client, pair, sign_in):
    match, profile = pair
    spoken(app, match, weeks_ago=5)
    assert run_clock(app)["quiet_reminder"] == 1
    sign_in(profile)
    client.post(f"/volunteer/relationships/{match.id}/check-ins",
                data={"occurred_on": program_today.isoformat(), "mode": "phone",
                      "flag": "going_well", "csrf_token": csrf_token(client)})
    assert run_clock(app, days=1)["quiet_reminder"] == 0
    assert run_clock(app, days=29)["quiet_reminder"] == 1  # quiet again, a new due date
