"""A volunteer's approval (screening and training) lasts a set number of months: a discreet
reminder before it lapses, sent once per due date; once lapsed they are not matchable, with the
reason shown to the coordinator, until the coordinator renews it (audited)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.db import db
from portal.models import (
    AuditEvent,
    Intake,
    Notification,
    OnboardingState,
    OutboxJob,
    Suggestion,
    User,
    VolunteerProfile,
)
from portal.services import approvals, calendar, engine_records, matching, settings, volunteer_pool
from tests.conftest import HX, csrf_token

# Noon in Edmonton (the program's zone): far from quiet hours and from midnight.
NOON = datetime(2027, 3, 10, 19, 0, tzinfo=UTC)
TODAY = date(2027, 3, 10)


def text(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def approved_until(app, profile) -> date | None:
    with app.app_context():
        return db.session.get(VolunteerProfile, profile.id).approved_until


def run_clock(app, moment: datetime) -> int:
    with time_machine.travel(moment, tick=False), app.app_context():
        sent = approvals.send_due_reminders(db.session)
        db.session.commit()
        return sent


def reminders(app, profile) -> list[Notification]:
    with app.app_context():
        user_id = db.session.get(VolunteerProfile, profile.id).user_id
        return db.session.execute(sa.select(Notification).where(
            Notification.recipient_id == user_id,
            Notification.kind == "approval_renewal")).scalars().all()


@pytest.fixture
def program_today(app) -> date:
    with app.app_context():
        return calendar.program_today(db.session)


@pytest.fixture
def coordinator_page(client, login_as):
    """A coordinator signed in; page(profile, htmx=False) → their page of that volunteer."""
    login_as("coordinator")
    return lambda profile, **kw: client.get(f"/coordinator/volunteers/{profile.id}", **kw)


def test_making_a_volunteer_active_starts_their_approval_for_the_set_months(
        app, client, login_as, make_volunteer, program_today):
    profile = make_volunteer(state=OnboardingState.TRAINED)
    with app.app_context():
        settings.put(db.session, "approval_months", 12)
        db.session.commit()
    login_as("coordinator")
    client.post(f"/coordinator/volunteers/{profile.id}/activate",
                data={"csrf_token": csrf_token(client)})
    assert approved_until(app, profile) == approvals.months_after(program_today, 12)


def test_back_from_a_pause_the_approval_keeps_its_date(app, client, login_as, make_volunteer):
    profile = make_volunteer(state=OnboardingState.PAUSED, approved_until=date(2099, 1, 1))
    login_as("coordinator")
    client.post(f"/coordinator/volunteers/{profile.id}/activate",
                data={"csrf_token": csrf_token(client)})
    assert approved_until(app, profile) == date(2099, 1, 1)


def test_a_month_end_approval_ends_on_the_last_day_of_a_shorter_month():
    assert approvals.months_after(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert approvals.months_after(date(2027, 1, 31), 1) == date(2027, 2, 28)


def test_a_reminder_goes_the_set_days_before_the_approval_lapses_once(app, make_volunteer):
    profile = make_volunteer(approved_until=TODAY + timedelta(days=40))
    assert run_clock(app, NOON) == 0
    assert run_clock(app, NOON + timedelta(days=10)) == 1  # 30 days before
    assert run_clock(app, NOON + timedelta(days=11)) == 0
    assert run_clock(app, NOON + timedelta(days=10)) == 0  # a second clock, the same moment
    assert len(reminders(app, profile)) == 1


def test_a_renewal_makes_a_new_due_date_with_its_own_reminder(app, make_volunteer, make_user):
    profile = make_volunteer(approved_until=TODAY + timedelta(days=5))
    coordinator = make_user("coordinator")
    assert run_clock(app, NOON) == 1
    with time_machine.travel(NOON, tick=False), app.app_context():
        approvals.renew(db.session, db.session.get(VolunteerProfile, profile.id),
                        actor=db.session.get(User, coordinator.id))
        db.session.commit()
    assert approved_until(app, profile) == date(2029, 3, 10)
    assert run_clock(app, NOON + timedelta(days=1)) == 0
    assert run_clock(app, datetime(2029, 2, 10, 19, tzinfo=UTC)) == 1
    assert len(reminders(app, profile)) == 2


def test_the_reminder_follows_the_settings(app, make_volunteer):
    make_volunteer(approved_until=TODAY + timedelta(days=50))
    with app.app_context():
        settings.put(db.session, "approval_reminder_days", 60)
        db.session.commit()
    assert run_clock(app, NOON) == 1


def test_the_reminder_waits_for_the_end_of_quiet_hours_and_says_nothing_of_it(app,
                                                                             make_volunteer):
    from portal.services.notifications import KINDS

    profile = make_volunteer(approved_until=TODAY + timedelta(days=20))
    with app.app_context():  # the test app has none unless a test sets them
        settings.put(db.session, "quiet_hours", {"start": "21:00", "end": "07:00"})
        db.session.commit()
    late_evening = datetime(2027, 3, 11, 6, 0, tzinfo=UTC)  # 23:00 in Edmonton
    assert run_clock(app, late_evening) == 1
    (note,) = reminders(app, profile)
    assert note.send_after is not None and note.send_after == datetime(2027, 3, 11, 14, 0, tzinfo=UTC)  # 07:00 there
    words = str(KINDS["approval_renewal"].in_app).lower()
    assert "lapse" not in words and "training" not in words


def test_retired_volunteers_get_no_reminder(app, make_volunteer):
    make_volunteer(state=OnboardingState.RETIRED, approved_until=TODAY + timedelta(days=3))
    assert run_clock(app, NOON) == 0


def test_a_lapsed_volunteer_is_not_suggested_and_the_reason_is_recorded(
        app, make_volunteer, make_intake):
    lapsed = make_volunteer(name="Lapsed Vol", approved_until=TODAY - timedelta(days=1))
    current = make_volunteer(name="Current Vol", approved_until=TODAY + timedelta(days=1))
    intake = make_intake()
    with time_machine.travel(NOON, tick=False), app.app_context():
        matching.suggest_for_intake(db.session, intake.id)
        db.session.commit()
        record = engine_records.volunteer_record(db.session, db.session.get(VolunteerProfile,
                                                                       lapsed.id))
        suggested = set(db.session.execute(sa.select(Suggestion.volunteer_id).where(
            Suggestion.intake_id == intake.id)).scalars())
        counts = db.session.get(Intake, intake.id).exclusion_counts
    assert suggested == {current.id}
    assert counts["not_active"] == 1 and sum(counts.values()) == 1
    assert record.is_lapsed and record.approved_until == TODAY - timedelta(days=1)


def test_the_day_after_the_valid_until_date_the_pool_sees_the_lapse(app, make_volunteer):
    from portal.matching import Reason

    make_volunteer(approved_until=TODAY)
    volunteer_pool._pool_cache.update(key=None, pool=None)
    with app.app_context():
        with time_machine.travel(NOON, tick=False):
            before = volunteer_pool.volunteer_pool(db.session)
        with time_machine.travel(NOON + timedelta(days=1), tick=False):
            after = volunteer_pool.volunteer_pool(db.session)
    volunteer_pool._pool_cache.update(key=None, pool=None)
    assert after is not before
    assert int(before.base_bits[0]) == 0
    assert int(after.base_bits[0]) & Reason.NOT_ACTIVE.bit


def long_date(day: date) -> str:
    return f"{day.day} {day:%B} {day.year}"


def test_the_coordinator_sees_the_lapse_and_renews_it_with_htmx(
        app, client, coordinator_page, make_volunteer, program_today):
    profile = make_volunteer(approved_until=program_today - timedelta(days=9))
    page = text(coordinator_page(profile))
    lapsed_on = long_date(program_today - timedelta(days=8))
    assert f"Training lapsed on {lapsed_on}" in page and "not offered matches" in page
    response = client.post(f"/coordinator/volunteers/{profile.id}/renew",
                           data={"csrf_token": csrf_token(client)}, headers=HX)
    body = text(response)
    renewed = approvals.months_after(program_today, 24)
    assert response.status_code == 200 and body.startswith('<section id="onboarding"')
    assert f"Approved until {long_date(renewed)}" in body and "lapsed" not in body
    assert approved_until(app, profile) == renewed
    with app.app_context():
        (event,) = db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.action == "renew")).scalars().all()
        assert (event.subject_type, event.subject_id) == ("volunteer_profile", str(profile.id))
        assert event.detail == renewed.isoformat()


def test_renewing_works_without_javascript(app, client, coordinator_page, make_volunteer,
                                           program_today):
    profile = make_volunteer(approved_until=program_today - timedelta(days=1))
    response = client.post(f"/coordinator/volunteers/{profile.id}/renew",
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    renewed = approvals.months_after(program_today, 24)
    assert f"Approved until {long_date(renewed)}" in text(coordinator_page(profile))


def test_a_renewed_volunteer_is_matchable_again(app, make_volunteer, make_user):
    from portal.services import volunteers

    profile = make_volunteer(approved_until=date(2027, 3, 1))
    coordinator = make_user("coordinator")
    with time_machine.travel(NOON, tick=False), app.app_context():
        session = db.session
        today = calendar.program_today(session)
        saved = session.get(VolunteerProfile, profile.id)
        assert volunteers.matching_problems(session, saved, today) == ["lapsed"]
        approvals.renew(session, saved, actor=session.get(User, coordinator.id))
        session.flush()
        assert volunteers.matching_problems(session, saved, today) == []


def test_a_retired_volunteer_cannot_be_renewed(app, client, coordinator_page, make_volunteer):
    profile = make_volunteer(state=OnboardingState.RETIRED, approved_until=date(2027, 3, 1))
    response = client.post(f"/coordinator/volunteers/{profile.id}/renew",
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 409
    assert approved_until(app, profile) == date(2027, 3, 1)


def test_the_volunteer_is_told_plainly_why_no_offers_come(app, client, make_volunteer, sign_in,
                                                          program_today):
    profile = make_volunteer(approved_until=program_today - timedelta(days=1))
    sign_in(profile)
    page = text(client.get("/volunteer/"))
    assert "Your approval is due for renewal" in page


def queued_recomputes(app, profile) -> list[OutboxJob]:
    with app.app_context():
        return db.session.execute(sa.select(OutboxJob).where(
            OutboxJob.kind == "recompute_for_volunteer",
            OutboxJob.ref == str(profile.id))).scalars().all()


def test_the_day_after_a_lapse_the_clock_recomputes_what_the_volunteer_was_suggested_for(
        app, make_volunteer):
    profile = make_volunteer(approved_until=TODAY)
    with time_machine.travel(NOON, tick=False), app.app_context():
        assert approvals.recompute_after_lapses(db.session) == 0  # still valid today
        db.session.commit()
    assert queued_recomputes(app, profile) == []
    for hours in (24, 25):  # the clock runs hourly: the job is queued once
        with time_machine.travel(NOON + timedelta(hours=hours), tick=False), app.app_context():
            approvals.recompute_after_lapses(db.session)
            db.session.commit()
    assert len(queued_recomputes(app, profile)) == 1


def test_renewing_recomputes_only_what_the_volunteer_can_alter(app, make_volunteer, make_user):
    profile = make_volunteer(approved_until=date(2027, 3, 1))
    coordinator = make_user("coordinator")
    with time_machine.travel(NOON, tick=False), app.app_context():
        approvals.renew(db.session, db.session.get(VolunteerProfile, profile.id),
                        actor=db.session.get(User, coordinator.id))
        db.session.commit()
        full = db.session.execute(sa.select(OutboxJob).where(
            OutboxJob.kind == "recompute_waiting")).scalars().all()
    assert len(queued_recomputes(app, profile)) == 1 and full == []
