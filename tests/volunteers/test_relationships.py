"""Active relationships: content-free check-ins, the safety flag, asking for a change, closing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import (
    CheckIn,
    Intake,
    IntakeState,
    Match,
    MatchState,
    Notification,
    OutboxJob,
    ReferralResource,
    User,
    utcnow,
)
from portal.services import offers, relationships
from portal.services.errors import Conflict
from tests.conftest import HX, csrf_token


@pytest.fixture
def pair(make_intake, make_volunteer, accepted, sign_in):
    """An active relationship whose volunteer is signed in: (match, intake, profile)."""
    intake, profile = make_intake(alias="Sam"), make_volunteer()
    match = accepted(intake, profile)
    sign_in(profile)
    return match, intake, profile


def notes(session, kind) -> list[Notification]:
    return session.execute(sa.select(Notification).where(Notification.kind == kind)).scalars().all()


def post(client, url, data=None, htmx=False):
    headers = {**HX, "X-CSRFToken": csrf_token(client)} if htmx else {}
    body = dict(data or {}) if htmx else {**(data or {}), "csrf_token": csrf_token(client)}
    return client.post(url, data=body, headers=headers)


# ---------------------------------------------------------------- check-ins

def test_a_check_in_records_date_mode_and_flag_and_nothing_else(program_today, app, client, pair):
    match, _intake, _profile = pair
    today = program_today.isoformat()
    response = post(client, f"/volunteer/relationships/{match.id}/check-ins",
                    {"occurred_on": today, "mode": "phone", "flag": "going_well",
                     "notes": "what was said must never be stored"}, htmx=True)
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="check-ins"')
    assert "Your check-in is saved" in fragment and "Phone call" in fragment
    with app.app_context():
        [entry] = db.session.execute(sa.select(CheckIn)).scalars().all()
        assert (entry.mode, entry.flag, entry.occurred_on.date().isoformat()) == (
            "phone", "going_well", today)
        assert {c.name for c in CheckIn.__table__.columns} == {
            "id", "match_id", "occurred_on", "mode", "flag", "created_at"}
        assert notes(db.session, "safety_flag") == []


def test_a_safety_concern_tells_the_coordinator_at_once(program_today, app, client, pair, coordinator):
    match, _intake, _profile = pair
    response = post(client, f"/volunteer/relationships/{match.id}/check-ins",
                    {"occurred_on": program_today.isoformat(), "mode": "video",
                     "flag": "safety_concern"}, htmx=True)
    assert "The coordinator has been told" in response.get_data(as_text=True)
    with app.app_context():
        [note] = notes(db.session, "safety_flag")
        assert note.recipient_id == coordinator.id and note.urgent
        assert (note.subject_type, note.subject_id) == ("match", str(match.id))
        job = db.session.execute(sa.select(OutboxJob).where(
            OutboxJob.kind == "send_notification", OutboxJob.ref == str(note.id))).scalar_one()
        assert job.run_after <= utcnow()


def test_a_safety_flag_reaches_the_coordinators_inbox_through_the_real_queue(program_today,
        app, client, pair, coordinator, mail, run_jobs):
    match, _intake, _profile = pair
    post(client, f"/volunteer/relationships/{match.id}/check-ins",
         {"occurred_on": program_today.isoformat(), "mode": "phone", "flag": "safety_concern"})
    run_jobs()
    to_coordinator = [m for m in mail if m["To"] == coordinator.email]
    # The urgent queue is served first: the safety flag goes out ahead of routine mail.
    assert to_coordinator[0]["Subject"] == "A time-sensitive update in your member portal"
    assert "Sam" not in to_coordinator[0].get_content()


@pytest.mark.parametrize("fields, field, message", [
    ({"occurred_on": "next tuesday"}, "occurred_on", "like 2026-03-31"),
    ({"occurred_on": ""}, "occurred_on", "like 2026-03-31"),
    ({"occurred_on": "+1"}, "occurred_on", "today or an earlier day"),
    ({"occurred_on": "-30"}, "occurred_on", "since the relationship began"),
    ({"mode": "carrier pigeon"}, "mode", "choose one of the options"),
    ({"flag": ""}, "flag", "choose one of the options"),
])
def test_a_check_in_out_of_bounds_is_refused_beside_its_field(program_today, app, client, pair, fields, field,
                                                             message):
    match, _intake, _profile = pair
    data = {"occurred_on": program_today.isoformat(), "mode": "phone", "flag": "going_well"}
    for name, value in fields.items():
        if value.startswith(("+", "-")) and value[1:].isdigit():
            value = (program_today + timedelta(days=int(value))).isoformat()
        data[name] = value
    response = post(client, f"/volunteer/relationships/{match.id}/check-ins", data, htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    if field == "occurred_on" and data["occurred_on"]:
        assert f'value="{data["occurred_on"]}"' in html  # what was typed is kept
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(CheckIn)).scalar() == 0


def test_without_javascript_an_invalid_check_in_shows_the_whole_page(client, pair):
    match, _intake, _profile = pair
    response = post(client, f"/volunteer/relationships/{match.id}/check-ins",
                    {"occurred_on": "", "mode": "phone", "flag": "going_well"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<html" in page and "How to get in touch" in page and 'id="occurred_on-error"' in page


# ---------------------------------------------------------------- asking for a change

def test_asking_for_a_change_closes_the_pair_and_puts_the_request_first_in_line(
        app, client, pair, coordinator):
    match, intake, profile = pair
    confirm = client.get(f"/volunteer/relationships/{match.id}/change").get_data(as_text=True)
    assert "always fine to ask" in confirm
    response = post(client, f"/volunteer/relationships/{match.id}/change")
    assert response.status_code == 303 and response.headers["Location"] == "/volunteer/"
    with app.app_context():
        session = db.session
        match = session.get(Match, match.id)
        assert (match.state, match.close_reason, match.closed_by_role) == (
            MatchState.CLOSED, "change_requested", "volunteer")
        intake = session.get(Intake, intake.id)
        assert intake.state == IntakeState.WAITING and intake.priority
        assert [n.recipient_id for n in notes(session, "change_requested")] == [coordinator.id]
        job = session.execute(sa.select(OutboxJob).where(
            OutboxJob.kind == "suggest_for_intake")).scalar_one()
        assert job.ref == str(intake.id)
    assert "Thank you for telling us" in client.get("/volunteer/").get_data(as_text=True)


def test_a_pair_parted_by_a_change_request_is_never_offered_again(app, pair, make_offer):
    match, intake, profile = pair
    with app.app_context():
        relationships.request_change(db.session, db.session.get(Match, match.id),
                                     actor=db.session.get(User, profile.user_id))
        db.session.commit()
    with pytest.raises(Conflict, match="not matched again"):
        make_offer(intake, profile)


def test_the_participant_side_may_ask_for_a_change_with_the_same_call(app, pair, coordinator):
    match, intake, _profile = pair
    with app.app_context():
        participant = db.session.get(User, intake.participant_id)
        relationships.request_change(db.session, db.session.get(Match, match.id), actor=participant)
        db.session.commit()
        assert db.session.get(Match, match.id).closed_by_role == "participant"
        assert db.session.get(Intake, intake.id).priority


def test_a_change_cannot_be_asked_twice(app, pair):
    match, _intake, profile = pair
    with app.app_context():
        actor = db.session.get(User, profile.user_id)
        relationships.request_change(db.session, db.session.get(Match, match.id), actor=actor)
        db.session.commit()
        with pytest.raises(Conflict, match="already ended"):
            relationships.request_change(db.session, db.session.get(Match, match.id), actor=actor)


# ---------------------------------------------------------------- closing

def test_closing_with_a_reason_ends_the_request_and_tells_the_others(app, client, pair,
                                                                    coordinator):
    match, intake, _profile = pair
    response = post(client, f"/volunteer/relationships/{match.id}/close",
                    {"reason": "referred_out"}, htmx=True)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/volunteer/"
    with app.app_context():
        session = db.session
        match = session.get(Match, match.id)
        assert (match.state, match.close_reason) == (MatchState.CLOSED, "referred_out")
        intake = session.get(Intake, intake.id)
        assert (intake.state, intake.close_reason) == (IntakeState.CLOSED, "referred_out")
        assert intake.closed_at is not None  # the retention clock starts
        assert sorted(str(n.recipient_id) for n in notes(session, "relationship_closed")) == sorted(
            [str(intake.participant_id), str(coordinator.id)])


def test_closing_needs_a_reason_from_the_list(app, client, pair):
    match, _intake, _profile = pair
    response = post(client, f"/volunteer/relationships/{match.id}/close", {"reason": "bored"},
                    htmx=True)
    assert response.status_code == 422
    assert 'id="reason-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Match, match.id).state == MatchState.ACTIVE


def test_closing_for_a_change_request_takes_the_change_path(app, pair):
    match, intake, profile = pair
    with app.app_context():
        relationships.close_relationship(db.session, db.session.get(Match, match.id),
                                         actor=db.session.get(User, profile.user_id),
                                         reason="change_requested")
        db.session.commit()
        assert db.session.get(Intake, intake.id).state == IntakeState.WAITING


def test_check_ins_stop_once_a_relationship_has_ended(program_today, app, client, pair):
    match, _intake, profile = pair
    with app.app_context():
        relationships.close_relationship(db.session, db.session.get(Match, match.id),
                                         actor=db.session.get(User, profile.user_id),
                                         reason="completed")
        db.session.commit()
    response = post(client, f"/volunteer/relationships/{match.id}/check-ins",
                    {"occurred_on": program_today.isoformat(), "mode": "phone",
                     "flag": "going_well"})
    assert response.status_code == 409
    assert "check-ins are closed" in response.get_data(as_text=True)


def test_an_unanswered_offer_has_no_relationship_page(client, make_intake, make_volunteer,
                                                      make_offer, sign_in):
    profile = make_volunteer()
    match = make_offer(make_intake(), profile)
    sign_in(profile)
    assert client.get(f"/volunteer/relationships/{match.id}").status_code == 404


def test_the_volunteer_sees_the_people_they_support(client, pair):
    match, _intake, _profile = pair
    page = client.get("/volunteer/relationships").get_data(as_text=True)
    assert f"/volunteer/relationships/{match.id}" in page and "Sam" in page
    fragment = client.get("/volunteer/relationships", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="relationship-list"')


# ---------------------------------------------------------------- the referral directory

def test_the_referral_directory_is_readable_by_volunteers(app, client, volunteer):
    with app.app_context():
        db.session.add_all([
            ReferralResource(name="Lakeside Counselling", category="counselling",
                             phone="403-555-0101", hours="Weekdays 9-5", region="calgary"),
            ReferralResource(name="Night Line", category="crisis_line", phone="988",
                             always_open=True),
            ReferralResource(name="Closed Service", category="counselling", active=False),
            ReferralResource(name="Odd Link", category="medical", url="javascript:alert(1)"),
        ])
        db.session.commit()
    page = client.get("/volunteer/referrals").get_data(as_text=True)
    assert page.index("Crisis lines") < page.index("Counselling")
    assert "Lakeside Counselling" in page and "Night Line" in page and "24/7" in page
    assert "Closed Service" not in page and "javascript:" not in page


def test_offers_service_lists_only_open_offers(app, make_intake, make_volunteer, make_offer,
                                               coordinator):
    profile = make_volunteer(capacity=3)
    kept, gone = make_offer(make_intake(), profile), make_offer(make_intake(), profile)
    with app.app_context():
        offers.withdraw(db.session, db.session.get(Match, gone.id),
                        actor=db.session.get(User, coordinator.id))
        from portal.models import VolunteerProfile

        listed = offers.open_offers(db.session, db.session.get(VolunteerProfile, profile.id))
        assert [m.id for m in listed] == [kept.id]


def test_an_evening_introduction_takes_a_check_in_for_that_programs_day(app, pair):
    """Introduced at 18:00 in Alberta (01:00 UTC the next day): that evening's talk is
    logged for the program's day, not refused as before the relationship began."""
    from datetime import UTC, date, datetime

    import time_machine

    from portal.models import User

    match, _intake, profile = pair
    evening = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    with time_machine.travel(evening + timedelta(hours=1), tick=False), app.app_context():
        session = db.session
        live = session.get(Match, match.id)
        live.activated_at = evening
        check_in = relationships.log_check_in(
            session, live, actor=session.get(User, profile.user_id),
            occurred_on=date(2026, 12, 1), mode="phone", flag="going_well")
        assert check_in.occurred_on.date() == date(2026, 12, 1)
        assert relationships.first_check_in_day(session, live) == date(2026, 12, 1)
