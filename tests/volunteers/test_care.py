"""Care for volunteers: a private monthly question whose answer nobody else sees, a debrief that
reaches the coordinator when asked for, and contacts and hours counted for the annual report."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.db import db
from portal.models import Notification, ServiceLog, WellbeingCheck, utcnow
from portal.services import volunteer_care
from tests.conftest import HX, csrf_token


def kinds(app, user_id) -> list[str]:
    with app.app_context():
        return list(db.session.execute(sa.select(Notification.kind).where(
            Notification.recipient_id == user_id)).scalars())


def test_each_active_volunteer_is_asked_once_a_month(app, make_volunteer):
    profile = make_volunteer()
    with app.app_context():
        assert volunteer_care.ask_due(db.session) == 1
        assert volunteer_care.ask_due(db.session) == 0
        assert volunteer_care.ask_due(db.session, now=utcnow() + timedelta(days=31)) == 1
        db.session.commit()
    assert kinds(app, profile.user_id).count("wellbeing_check") == 2


def test_the_answer_stays_private_and_a_debrief_reaches_the_coordinator(
        app, client, make_volunteer, sign_in, coordinator, auth):
    profile = make_volunteer()
    sign_in(profile)
    response = client.post("/volunteer/care/wellbeing", data={
        "answer": "struggling", "debrief": "y", "csrf_token": csrf_token(client)}, headers=HX)
    assert "get in touch about a debrief" in response.get_data(as_text=True)
    assert kinds(app, coordinator.id) == ["debrief_requested"]
    auth.logout()
    auth.login(coordinator.email)
    page = client.get(f"/coordinator/volunteers/{profile.id}").get_data(as_text=True)
    assert "Asked for a debrief" in page
    assert "weighing on me" not in page and "struggling" not in page  # never the answer
    client.post(f"/coordinator/volunteers/{profile.id}/debrief",
                data={"csrf_token": csrf_token(client)})
    assert "Asked for a debrief" not in client.get(
        f"/coordinator/volunteers/{profile.id}").get_data(as_text=True)


def test_an_answer_without_a_debrief_tells_nobody(app, client, make_volunteer, sign_in,
                                                   coordinator):
    sign_in(make_volunteer())
    client.post("/volunteer/care/wellbeing", data={"answer": "ok",
                                                   "csrf_token": csrf_token(client)})
    assert kinds(app, coordinator.id) == []
    with app.app_context():
        assert db.session.execute(sa.select(WellbeingCheck.answer)).scalar_one() == "ok"


def test_contacts_and_hours_are_logged_with_bounds(program_today, app, client, make_volunteer, sign_in):
    sign_in(make_volunteer())
    today = program_today.isoformat()
    bad = client.post("/volunteer/care/log", data={"day": today, "contacts": "500", "hours": "1",
                                                   "csrf_token": csrf_token(client)})
    assert bad.status_code == 422 and 'value="500"' in bad.get_data(as_text=True)
    client.post("/volunteer/care/log", data={"day": today, "contacts": "2", "hours": "1",
                                             "minutes": "30", "csrf_token": csrf_token(client)})
    with app.app_context():
        entry = db.session.execute(sa.select(ServiceLog)).scalar_one()
        assert (entry.contacts, entry.minutes) == (2, 90)


def test_the_annual_report_shows_totals_only_when_enough_volunteers_logged(program_today,
        app, make_volunteer):
    profiles = [make_volunteer() for _ in range(10)]
    with app.app_context():
        day = program_today
        for profile in profiles[:9]:
            volunteer_care.log_service(db.session, profile, day=day, contacts=1, minutes=60)
        assert volunteer_care.annual_totals(db.session)[0].hours is None  # 9 < 10
        volunteer_care.log_service(db.session, profiles[9], day=day, contacts=1, minutes=60)
        [year] = volunteer_care.annual_totals(db.session)
        assert (year.volunteers, year.contacts, year.hours) == (10, 10, 10)
