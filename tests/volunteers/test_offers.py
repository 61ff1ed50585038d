"""Offers: made with an expiry, accepted or declined freely, expired by the clock, never twice."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.orm import Session

from portal.db import db
from portal.models import (
    AuditEvent,
    Intake,
    IntakeState,
    Match,
    MatchState,
    Notification,
    OnboardingState,
    OutboxJob,
    User,
    VolunteerProfile,
    utcnow,
)
from portal.services import offers, settings
from portal.services.errors import Conflict
from tests.conftest import HX, TEST_DATABASE_URL, csrf_token


def kinds_for(session, user_id) -> list[str]:
    return sorted(session.execute(
        sa.select(Notification.kind).where(Notification.recipient_id == user_id)).scalars())


def staff_kinds(session, coordinator) -> list[str]:
    return kinds_for(session, coordinator.id)


def jobs(session, kind) -> list[OutboxJob]:
    return session.execute(sa.select(OutboxJob).where(OutboxJob.kind == kind)).scalars().all()


# ---------------------------------------------------------------- making an offer

def test_an_offer_expires_after_the_configured_hours_and_tells_the_volunteer(
        app, make_intake, make_volunteer, make_offer):
    intake, profile = make_intake(), make_volunteer()
    match = make_offer(intake, profile)
    with app.app_context():
        session = db.session
        match = session.get(Match, match.id)
        assert match.state == MatchState.OFFERED
        assert match.expires_at - match.offered_at == timedelta(hours=72)
        assert session.get(Intake, intake.id).state == IntakeState.OFFERED
        assert kinds_for(session, profile.user_id) == ["offer"]
        note = session.execute(sa.select(Notification).where(Notification.kind == "offer")).scalar()
        assert (note.subject_type, note.subject_id) == ("match", str(match.id))


def test_the_expiry_time_comes_from_the_admins_setting(app, make_intake, make_volunteer,
                                                       make_offer):
    with app.app_context():
        settings.put(db.session, "offer_expiry_hours", 24)
        db.session.commit()
    match = make_offer(make_intake(), make_volunteer())
    assert match.expires_at - match.offered_at == timedelta(hours=24)


@pytest.mark.parametrize("state", ["applied", "screened", "trained", "paused", "retired"])
def test_only_active_volunteers_can_be_offered_a_match(app, make_intake, make_volunteer,
                                                       make_offer, state):
    profile = make_volunteer(state=OnboardingState(state))
    with pytest.raises(Conflict, match="not active"):
        make_offer(make_intake(), profile)


@pytest.mark.parametrize("fields, words", [
    ({"paused": True}, "paused new offers"),
    ({"away_from": utcnow().date() - timedelta(days=1)}, "away"),
    ({"boundaries": ["grief_loss"]}, "chosen not to take on"),
    ({"display_name": None}, "not complete"),
])
def test_a_volunteer_is_never_offered_what_they_said_no_to(app, make_intake, make_volunteer,
                                                           make_offer, fields, words):
    profile = make_volunteer(**fields)
    with pytest.raises(Conflict, match=words):
        make_offer(make_intake(concerns=["grief_loss"]), profile)


def test_conflicts_of_interest_block_an_offer(make_intake, make_volunteer, make_offer):
    firm_clash = make_volunteer(firm="Northgate Legal LLP")
    named = make_volunteer(name="Avery Quinn")
    with pytest.raises(Conflict, match="conflict of interest"):
        make_offer(make_intake(firms=["northgate legal"]), firm_clash)
    with pytest.raises(Conflict, match="conflict of interest"):
        make_offer(make_intake(do_not_match=["AVERY  QUINN"]), named)


def test_a_full_volunteer_gets_no_more_offers(make_intake, make_volunteer, make_offer):
    profile = make_volunteer(capacity=1)
    make_offer(make_intake(), profile)
    with pytest.raises(Conflict, match="no capacity"):
        make_offer(make_intake(), profile)


def test_an_intake_is_offered_to_one_volunteer_at_a_time(make_intake, make_volunteer, make_offer):
    intake = make_intake()
    make_offer(intake, make_volunteer())
    with pytest.raises(Conflict, match="not waiting"):
        make_offer(intake, make_volunteer())


# ---------------------------------------------------------------- accepting

def test_accepting_activates_the_match_and_introduces_both_sides(
        app, client, make_intake, make_volunteer, make_offer, sign_in, coordinator):
    intake, profile = make_intake(), make_volunteer()
    match = make_offer(intake, profile)
    sign_in(profile)
    response = client.post(f"/volunteer/offers/{match.id}/accept",
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/volunteer/relationships/{match.id}"
    with app.app_context():
        session = db.session
        match = session.get(Match, match.id)
        assert match.state == MatchState.ACTIVE and match.activated_at is not None
        assert session.get(Intake, intake.id).state == IntakeState.MATCHED
        assert kinds_for(session, intake.participant_id) == ["introduction"]
        assert kinds_for(session, profile.user_id) == ["introduction", "offer"]
        assert staff_kinds(session, coordinator) == ["offer_accepted"]
        details = session.execute(sa.select(AuditEvent.detail).where(
            AuditEvent.subject_id == str(match.id), AuditEvent.action == "transition")).scalars()
        assert list(details) == ["offered->active"]


def test_accepting_over_htmx_redirects_to_the_introduction(client, make_intake, make_volunteer,
                                                           make_offer, sign_in):
    profile = make_volunteer()
    match = make_offer(make_intake(), profile)
    sign_in(profile)
    response = client.post(f"/volunteer/offers/{match.id}/accept",
                           headers={**HX, "X-CSRFToken": csrf_token(client)})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/volunteer/relationships/{match.id}"


def test_an_offer_withdrawn_a_moment_ago_cannot_be_accepted(
        app, client, make_intake, make_volunteer, make_offer, sign_in, coordinator):
    intake, profile = make_intake(), make_volunteer()
    match = make_offer(intake, profile)
    with app.app_context():
        offers.withdraw(db.session, db.session.get(Match, match.id),
                        actor=db.session.get(User, coordinator.id))
        db.session.commit()
    sign_in(profile)
    response = client.post(f"/volunteer/offers/{match.id}/accept",
                           headers={**HX, "X-CSRFToken": csrf_token(client)})
    assert response.status_code == 409
    assert "no longer open" in response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#flash"
    with app.app_context():
        assert db.session.get(Match, match.id).state == MatchState.WITHDRAWN
        assert db.session.get(Intake, intake.id).state == IntakeState.WAITING


def test_an_offer_past_its_time_cannot_be_accepted_even_before_the_clock_runs(
        app, make_intake, make_volunteer, make_offer):
    profile = make_volunteer()
    match = make_offer(make_intake(), profile)
    with time_machine.travel(utcnow() + timedelta(hours=73), tick=False):
        with app.app_context():
            with pytest.raises(Conflict, match="no longer open"):
                offers.accept(db.session, db.session.get(Match, match.id),
                              actor=db.session.get(User, profile.user_id))


def test_an_accepted_offer_cannot_be_accepted_again(app, make_intake, make_volunteer, accepted):
    profile = make_volunteer()
    match = accepted(make_intake(), profile)
    with app.app_context():
        with pytest.raises(Conflict):
            offers.accept(db.session, db.session.get(Match, match.id),
                          actor=db.session.get(User, profile.user_id))


def test_capacity_is_never_exceeded(app, make_intake, make_volunteer, make_offer):
    profile = make_volunteer(capacity=2)
    first, second = make_offer(make_intake(), profile), make_offer(make_intake(), profile)
    with app.app_context():
        session = db.session
        session.get(VolunteerProfile, profile.id).capacity = 1
        actor = session.get(User, profile.user_id)
        offers.accept(session, session.get(Match, first.id), actor=actor)
        session.commit()
        with pytest.raises(Conflict, match="capacity"):
            offers.accept(session, session.get(Match, second.id), actor=actor)
        session.rollback()
        assert session.get(Match, second.id).state == MatchState.OFFERED


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="row locks are PostgreSQL's; SQLite has a "
                                                   "single writer and no FOR UPDATE")
def test_an_accept_waits_for_a_withdrawal_in_flight_and_then_says_no(
        app, make_intake, make_volunteer, make_offer, coordinator):
    profile = make_volunteer()
    match = make_offer(make_intake(), profile)
    outcome = {}

    def accept_meanwhile():
        with app.app_context(), Session(db.engine) as other:
            try:
                offers.accept(other, other.get(Match, match.id),
                              actor=other.get(User, profile.user_id))
                other.commit()
                outcome["accepted"] = True
            except Conflict:
                outcome["refused"] = True

    with app.app_context(), Session(db.engine) as withdrawing:
        offers.withdraw(withdrawing, withdrawing.get(Match, match.id),
                        actor=withdrawing.get(User, coordinator.id))
        racer = threading.Thread(target=accept_meanwhile)
        racer.start()
        racer.join(timeout=1.5)
        assert racer.is_alive(), "the accept should wait for the row lock"
        withdrawing.commit()
    racer.join(timeout=15)
    assert outcome == {"refused": True}
    with app.app_context():
        assert db.session.get(Match, match.id).state == MatchState.WITHDRAWN


# ---------------------------------------------------------------- declining

def test_declining_needs_no_reason_and_brings_the_next_suggestion_forward(
        app, client, make_intake, make_volunteer, make_offer, sign_in, coordinator):
    intake, profile = make_intake(), make_volunteer()
    match = make_offer(intake, profile)
    sign_in(profile)
    page = client.get(f"/volunteer/offers/{match.id}").get_data(as_text=True)
    decline_form = re.search(r'<form[^>]+/decline".*?</form>', page, re.S).group(0)
    fields = re.findall(r'<(?:input|textarea|select)[^>]*name="([^"]+)"', decline_form)
    assert fields == ["csrf_token"]
    assert "never need to give a reason" in page
    response = client.post(f"/volunteer/offers/{match.id}/decline",
                           headers={**HX, "X-CSRFToken": csrf_token(client)})
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="offer"')
    assert "Thank you for letting us know" in fragment
    with app.app_context():
        session = db.session
        assert session.get(Match, match.id).state == MatchState.DECLINED
        assert session.get(Intake, intake.id).state == IntakeState.WAITING
        assert staff_kinds(session, coordinator) == ["offer_declined"]
        [job] = jobs(session, "suggest_for_intake")
        assert job.ref == str(intake.id)


def test_declining_without_javascript_returns_to_the_offer_page(client, make_intake,
                                                                make_volunteer, make_offer,
                                                                sign_in):
    profile = make_volunteer()
    match = make_offer(make_intake(), profile)
    sign_in(profile)
    response = client.post(f"/volunteer/offers/{match.id}/decline",
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<html" in page and "You said no to this offer" in page


# ---------------------------------------------------------------- expiry and withdrawal

def test_the_clock_expires_unanswered_offers_and_tells_the_coordinator(
        app, make_intake, make_volunteer, make_offer, coordinator):
    intake = make_intake()
    match = make_offer(intake, make_volunteer())
    fresh = make_offer(make_intake(), make_volunteer())
    with app.app_context():
        assert offers.expire_due_offers(db.session, utcnow() + timedelta(hours=71)) == 0
        assert offers.expire_due_offers(db.session, utcnow() + timedelta(hours=73)) == 2
        db.session.commit()
        assert db.session.get(Match, match.id).state == MatchState.EXPIRED
        assert db.session.get(Intake, intake.id).state == IntakeState.WAITING
        assert staff_kinds(db.session, coordinator) == ["offer_expired", "offer_expired"]
        assert len(jobs(db.session, "suggest_for_intake")) == 2
        assert db.session.get(Match, fresh.id).state == MatchState.EXPIRED


def test_the_clock_process_runs_offer_expiry(app, make_intake, make_volunteer, make_offer):
    from workers import clock

    match = make_offer(make_intake(), make_volunteer())
    [task] = [t for t in clock.tasks() if t.name == "expire offers"]
    assert task.every_seconds == 60
    with time_machine.travel(utcnow() + timedelta(hours=80), tick=False):
        clock.tick(app, [task], now=1e9)
    with app.app_context():
        assert db.session.get(Match, match.id).state == MatchState.EXPIRED


def test_the_clocks_audit_events_name_the_task_that_wrote_them(
        app, make_intake, make_volunteer, make_offer):
    from portal.models import AuditEvent
    from workers import clock

    match = make_offer(make_intake(), make_volunteer())
    [task] = [t for t in clock.tasks() if t.name == "expire offers"]
    with time_machine.travel(utcnow() + timedelta(hours=80), tick=False):
        clock.tick(app, [task], now=1e9)
    with app.app_context():
        events = db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.subject_id == str(match.id), AuditEvent.action == "transition")).scalars()
        assert {event.request_id for event in events} == {"clock:expire-offers"}


def test_a_withdrawn_offer_disappears_from_the_volunteers_list(
        app, client, make_intake, make_volunteer, make_offer, sign_in, coordinator):
    profile = make_volunteer()
    match = make_offer(make_intake(), profile)
    sign_in(profile)
    assert f"/volunteer/offers/{match.id}" in client.get("/volunteer/offers").get_data(as_text=True)
    with app.app_context():
        offers.withdraw(db.session, db.session.get(Match, match.id),
                        actor=db.session.get(User, coordinator.id))
        db.session.commit()
    listed = client.get("/volunteer/offers").get_data(as_text=True)
    assert f"/volunteer/offers/{match.id}" not in listed
    page = client.get(f"/volunteer/offers/{match.id}").get_data(as_text=True)
    assert "no longer open" in page
