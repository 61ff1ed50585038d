"""Actions on a request: each changes its state, writes its audit event and queues its jobs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import Intake, IntakeState, Match, MatchState, Notification, Suggestion
from tests.conftest import HX


def url(intake, action=""):
    return f"/coordinator/intakes/{intake.id}" + (f"/{action}" if action else "")


def notified(app, kind) -> list[Notification]:
    with app.app_context():
        return db.session.execute(
            sa.select(Notification).where(Notification.kind == kind)).scalars().all()


def matches_of(app, intake) -> list[Match]:
    with app.app_context():
        return db.session.execute(sa.select(Match).where(Match.intake_id == intake.id)
                                  .order_by(Match.offered_at)).scalars().all()


# ---------------------------------------------------------------- offer to a suggested volunteer

def test_offering_to_a_suggestion_makes_the_offer_and_tells_the_volunteer(
        app, staff, post, make_intake, make_volunteer, suggest, fetch, events, jobs):
    intake, profile = make_intake(), make_volunteer(name="Avery Stone")
    suggest(intake)
    response = post(url(intake, "offer"), {"volunteer_id": str(profile.id)}, htmx=True)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#intake-work"
    assert "The offer is on its way" in response.get_data(as_text=True)
    (match,) = matches_of(app, intake)
    assert (match.state, match.source, match.offered_by_id) == (MatchState.OFFERED, "suggestion",
                                                                staff.id)
    assert fetch(Intake, intake.id).state == IntakeState.OFFERED
    assert [e.detail for e in events("create", match.id)] == ["offer:suggestion"]
    assert [e.detail for e in events("transition", intake.id)] == ["waiting->offered"]
    (note,) = notified(app, "offer")
    assert note.recipient_id == profile.user_id
    assert str(note.id) in [job.ref for job in jobs("send_notification")]


def test_without_javascript_an_offer_goes_back_to_the_page_with_a_message(
        client, staff, post, make_intake, make_volunteer, suggest):
    intake, profile = make_intake(), make_volunteer()
    suggest(intake)
    response = post(url(intake, "offer"), {"volunteer_id": str(profile.id)})
    assert response.status_code == 303 and response.headers["Location"] == url(intake)
    assert "The offer is on its way" in client.get(url(intake)).get_data(as_text=True)


def test_an_offer_no_longer_allowed_changes_nothing_and_says_why(
        app, client, staff, post, make_intake, make_volunteer, suggest, fetch):
    intake, profile = make_intake(), make_volunteer()
    suggest(intake)
    with app.app_context():  # the volunteer paused a moment after the suggestions were made
        db.session.get(type(profile), profile.id).paused = True
        db.session.commit()
    response = post(url(intake, "offer"), {"volunteer_id": str(profile.id)}, htmx=True)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == url(intake)
    assert matches_of(app, intake) == []
    assert fetch(Intake, intake.id).state == IntakeState.WAITING
    assert "paused new offers" in client.get(url(intake)).get_data(as_text=True)


def test_only_a_suggested_volunteer_can_be_offered_from_the_suggestions(
        app, staff, post, make_intake, make_volunteer):
    intake, stranger = make_intake(), make_volunteer()
    response = post(url(intake, "offer"), {"volunteer_id": str(stranger.id)})
    assert response.status_code == 303
    assert matches_of(app, intake) == []


def test_a_tampered_offer_answers_422_with_the_work_region(staff, post, make_intake):
    intake = make_intake()
    response = post(url(intake, "offer"), {"volunteer_id": "not-an-id"}, htmx=True)
    assert response.status_code == 422
    assert response.get_data(as_text=True).lstrip().startswith('<div id="intake-work"')
    # Found by the hostile-input walk: the 422 said nothing; now it says what is wrong.
    for sent in ({"volunteer_id": "not-an-id"}, {}):
        page = post(url(intake, "offer"), sent).get_data(as_text=True)
        assert 'class="notice notice-error" role="alert">Please choose one of the options' in page


# ---------------------------------------------------------------- recompute

def test_recomputing_queues_one_suggestion_job_and_is_audited(
        client, staff, post, make_intake, events, jobs):
    intake = make_intake()
    response = post(url(intake, "recompute"), htmx=True)
    assert response.status_code == 200
    assert "Working out fresh suggestions" in response.get_data(as_text=True)
    post(url(intake, "recompute"), htmx=True)
    assert [job.ref for job in jobs("suggest_for_intake")] == [str(intake.id)]
    assert len(events("recompute", intake.id)) == 2


def test_the_suggestions_region_polls_until_the_job_has_run(
        client, staff, post, make_intake, make_volunteer, run_jobs, events):
    intake = make_intake()
    make_volunteer(name="Avery Stone")
    post(url(intake, "recompute"), htmx=True)
    waiting = client.get(url(intake, "suggestions"), headers=HX).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in waiting and "Avery Stone" not in waiting
    assert events("view", intake.id) == []  # nothing of the record was shown yet
    run_jobs()
    ready = client.get(url(intake, "suggestions"), headers=HX).get_data(as_text=True)
    assert ready.lstrip().startswith('<section id="intake-suggestions"')
    assert "every 2s" not in ready and "Avery Stone" in ready
    assert [e.detail for e in events("view", intake.id)] == ["suggestions"]


def test_polling_stops_when_the_job_takes_far_too_long(client, staff, post, make_intake):
    from portal.coordinator.intakes import POLL_LIMIT

    intake = make_intake()
    post(url(intake, "recompute"), htmx=True)
    first = client.get(url(intake, "suggestions"), headers=HX).get_data(as_text=True)
    assert "polls=1" in first
    last = client.get(url(intake, "suggestions") + f"?polls={POLL_LIMIT - 1}", headers=HX)
    body = last.get_data(as_text=True)
    assert "every 2s" not in body and "taking longer than usual" in body


def test_the_suggestions_url_opens_the_whole_page_without_htmx(client, staff, make_intake):
    intake = make_intake()
    assert "<html" in client.get(url(intake, "suggestions")).get_data(as_text=True)


def test_only_a_waiting_request_can_be_recomputed(staff, post, make_intake, jobs):
    intake = make_intake(state=IntakeState.PAUSED)
    response = post(url(intake, "recompute"))
    assert response.status_code == 303
    assert jobs("suggest_for_intake") == []


# ---------------------------------------------------------------- manual match

def test_manual_match_lists_only_volunteers_who_may_take_the_request(
        client, staff, make_intake, make_volunteer, decline):
    intake = make_intake(concerns=["grief_loss"], firms=["Ridgeway LLP"],
                         do_not_match=["Casey Lindqvist"])
    make_volunteer(name="Able Free")
    make_volunteer(name="Paula Paused", paused=True)
    make_volunteer(name="Bo Boundary", boundaries=["grief_loss"])
    make_volunteer(name="Fran Firm", firm="Ridgeway LLP")
    make_volunteer(name="Casey Lindqvist")
    make_volunteer(name="Fay Full", capacity=0)
    declined = make_volunteer(name="Dee Declined")
    decline(intake, declined)
    form = client.get(url(intake, "manual-match"), headers=HX).get_data(as_text=True)
    assert form.lstrip().startswith('<div id="manual-match"')
    assert "Able Free" in form
    for name in ("Paula Paused", "Bo Boundary", "Fran Firm", "Casey Lindqvist", "Fay Full",
                 "Dee Declined"):
        assert name not in form


def test_manual_match_respects_a_required_language(client, staff, make_intake, make_volunteer):
    intake = make_intake(language_pref="required", preferred_language="fr")
    make_volunteer(name="Eli English")
    make_volunteer(name="Fleur French", languages=["en", "fr"])
    form = client.get(url(intake, "manual-match"), headers=HX).get_data(as_text=True)
    assert "Fleur French" in form and "Eli English" not in form


def test_manual_match_needs_a_reason(app, staff, post, make_intake, make_volunteer, events):
    intake, profile = make_intake(), make_volunteer()
    response = post(url(intake, "manual-match"), {"volunteer_id": str(profile.id)}, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="manual-match"')
    assert "Please choose one of the options shown." in body
    assert matches_of(app, intake) == [] and events("manual_match") == []


def test_manual_match_offers_and_records_the_reason(
        app, staff, post, make_intake, make_volunteer, events, jobs, fetch):
    intake, profile = make_intake(), make_volunteer()
    response = post(url(intake, "manual-match"),
                    {"volunteer_id": str(profile.id), "reason": "participant_asked"}, htmx=True)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#intake-work"
    (match,) = matches_of(app, intake)
    assert (match.source, match.volunteer_id) == ("manual", profile.id)
    assert fetch(Intake, intake.id).state == IntakeState.OFFERED
    (recorded,) = events("manual_match", intake.id)
    assert (recorded.detail, recorded.actor_id) == ("participant_asked", staff.id)
    assert [e.detail for e in events("create", match.id)] == ["offer:manual"]
    assert len(jobs("send_notification")) == 1


def test_manual_match_refuses_a_volunteer_not_in_the_list(app, staff, post, make_intake,
                                                          make_volunteer):
    intake, blocked = make_intake(concerns=["grief_loss"]), make_volunteer(boundaries=["grief_loss"])
    response = post(url(intake, "manual-match"),
                    {"volunteer_id": str(blocked.id), "reason": "better_fit"}, htmx=True)
    assert response.status_code == 422
    assert matches_of(app, intake) == []


def test_the_manual_match_url_opens_the_page_with_the_form(client, staff, make_intake,
                                                          make_volunteer):
    intake = make_intake()
    make_volunteer(name="Able Free")
    page = client.get(url(intake, "manual-match")).get_data(as_text=True)
    assert "<html" in page and "Why this volunteer?" in page and "Able Free" in page


# ---------------------------------------------------------------- pause and resume

def test_pausing_takes_back_the_open_offer(app, staff, post, make_intake, make_volunteer, offer,
                                           fetch, events):
    intake, profile = make_intake(), make_volunteer()
    match = offer(intake, profile)
    response = post(url(intake, "pause"), htmx=True)
    assert response.status_code == 200 and "The request is paused" in response.get_data(as_text=True)
    assert fetch(Intake, intake.id).state == IntakeState.PAUSED
    assert fetch(Match, match.id).state == MatchState.WITHDRAWN
    steps = [e.detail for e in events("transition", intake.id)]
    assert steps[-2:] == ["offered->waiting", "waiting->paused"]
    assert [n.recipient_id for n in notified(app, "offer_withdrawn")] == [profile.user_id]


def test_resuming_puts_the_request_back_in_the_queue_with_fresh_suggestions(
        staff, post, make_intake, fetch, events, jobs):
    intake = make_intake(state=IntakeState.PAUSED)
    assert post(url(intake, "resume")).status_code == 303
    assert fetch(Intake, intake.id).state == IntakeState.WAITING
    assert [e.detail for e in events("transition", intake.id)] == ["paused->waiting"]
    assert [job.ref for job in jobs("suggest_for_intake")] == [str(intake.id)]


def test_a_matched_request_cannot_be_paused(client, staff, post, make_intake, make_volunteer,
                                            accept, fetch):
    intake = make_intake()
    accept(intake, make_volunteer())
    response = post(url(intake, "pause"))
    assert response.status_code == 303
    assert fetch(Intake, intake.id).state == IntakeState.MATCHED
    assert "Only a request that is waiting" in client.get(url(intake)).get_data(as_text=True)


# ---------------------------------------------------------------- close

@pytest.mark.parametrize("reason", ["completed", "withdrawn", "referred_out", "change_requested"])
def test_closing_a_waiting_request_records_the_reason(staff, post, make_intake, fetch, events,
                                                      reason):
    intake = make_intake()
    response = post(url(intake, "close"), {"reason": reason}, htmx=True)
    assert response.status_code == 200
    closed = fetch(Intake, intake.id)
    assert (closed.state, closed.close_reason) == (IntakeState.CLOSED, reason)
    assert closed.closed_at is not None
    (step,) = events("transition", intake.id)
    assert (step.detail, step.reason) == ("waiting->closed", reason)


def test_closing_takes_back_an_open_offer(app, staff, post, make_intake, make_volunteer, offer,
                                          fetch):
    intake, profile = make_intake(), make_volunteer()
    match = offer(intake, profile)
    post(url(intake, "close"), {"reason": "withdrawn"})
    assert fetch(Match, match.id).state == MatchState.WITHDRAWN
    assert fetch(Intake, intake.id).state == IntakeState.CLOSED
    assert [n.recipient_id for n in notified(app, "offer_withdrawn")] == [profile.user_id]


def test_closing_ends_an_active_relationship_and_tells_both_sides(
        app, staff, post, make_intake, make_volunteer, accept, fetch, jobs):
    intake, profile = make_intake(), make_volunteer()
    match = accept(intake, profile)
    post(url(intake, "close"), {"reason": "completed"}, htmx=True)
    ended = fetch(Match, match.id)
    assert (ended.state, ended.close_reason, ended.closed_by_role) == (
        MatchState.CLOSED, "completed", "coordinator")
    closed = fetch(Intake, intake.id)
    assert (closed.state, closed.close_reason) == (IntakeState.CLOSED, "completed")
    told = {n.recipient_id for n in notified(app, "relationship_closed")}
    assert {profile.user_id, intake.participant_id} <= told
    assert len(jobs("send_notification")) >= 3


def test_closing_with_a_change_request_means_the_pair_is_never_suggested_again(
        app, staff, post, make_intake, make_volunteer, accept, suggest, fetch):
    intake, profile = make_intake(), make_volunteer()
    accept(intake, profile)
    post(url(intake, "close"), {"reason": "change_requested"})
    assert fetch(Intake, intake.id).state == IntakeState.CLOSED
    with app.app_context():
        from portal.services import engine_records

        record = engine_records.participant_record(db.session, db.session.get(Intake, intake.id))
    assert str(profile.id) in record.excluded_volunteer_ids


def test_closing_needs_a_reason(staff, post, make_intake, fetch):
    intake = make_intake()
    response = post(url(intake, "close"), {}, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<details id="close-intake"') and " open" in body
    assert fetch(Intake, intake.id).state == IntakeState.WAITING


def test_closing_without_javascript_and_without_a_reason_shows_the_page_again(
        staff, post, make_intake):
    response = post(url(intake := make_intake(), "close"), {})
    assert response.status_code == 422
    assert "<html" in response.get_data(as_text=True) and intake.id


def test_an_ended_request_cannot_be_closed_again(client, staff, post, make_intake, events):
    intake = make_intake(state=IntakeState.CLOSED)
    assert post(url(intake, "close"), {"reason": "completed"}).status_code == 303
    assert events("transition", intake.id) == []
    assert "already ended" in client.get(url(intake)).get_data(as_text=True)


def test_suggestions_of_a_closed_request_offer_nothing(client, staff, post, make_intake,
                                                       make_volunteer, suggest, app):
    intake = make_intake()
    make_volunteer()
    suggest(intake)
    post(url(intake, "close"), {"reason": "completed"})
    page = client.get(url(intake)).get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(sa.select(Suggestion)).first() is not None
    assert "Offer to" not in page and "Close this request" not in page
