"""Today: counts, the queue with urgent first, offers out, follow-ups and safety concerns."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import Intake, IntakeState, utcnow
from tests.conftest import HX


def text(response) -> str:
    """The body with whitespace folded, so phrases split across template lines still match."""
    return " ".join(response.get_data(as_text=True).split())


def test_sign_in_brings_a_coordinator_to_today(client, auth, make_user):
    user = make_user("coordinator")
    auth.login(user.email)
    assert client.get("/home").headers["Location"] == "/coordinator/"
    assert "<h1>Today</h1>" in client.get("/coordinator/").get_data(as_text=True)


def test_urgent_and_priority_requests_are_pinned_first_with_how_long_they_waited(
        client, staff, make_intake):
    now = utcnow()
    make_intake(alias="Old Plain", waiting_since=now - timedelta(days=9))
    make_intake(alias="New Urgent", urgent=True, waiting_since=now - timedelta(hours=3))
    make_intake(alias="After Change", priority=True, waiting_since=now - timedelta(days=2))
    make_intake(alias="Old Urgent", urgent=True, waiting_since=now - timedelta(days=1))
    page = text(client.get("/coordinator/"))
    queue = page[page.index('id="today-queue"'):]
    order = [queue.index(alias) for alias in ("Old Urgent", "New Urgent", "After Change",
                                              "Old Plain")]
    assert order == sorted(order)
    assert queue.index("First") < queue.index("Old Urgent")
    assert "waiting 3 hours" in queue and "waiting 9 days" in queue
    assert "Priority, after a change" in queue


def test_the_queue_shows_one_state_at_a_time(client, staff, make_intake):
    make_intake(alias="Still Waiting")
    make_intake(alias="Taking A Break", state=IntakeState.PAUSED)
    paused = client.get("/coordinator/?state=paused", headers=HX)
    body = paused.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="today-queue"')
    assert "Taking A Break" in body and "Still Waiting" not in body
    assert 'hx-push-url="true"' in body


def test_an_unknown_state_shows_who_is_waiting(client, staff, make_intake):
    make_intake(alias="Still Waiting")
    assert "Still Waiting" in client.get("/coordinator/?state=closed").get_data(as_text=True)


def test_erased_requests_are_not_listed(client, staff, make_intake):
    make_intake(alias="Gone", erased_at=utcnow())
    assert "Gone" not in client.get("/coordinator/").get_data(as_text=True)


def test_counts_by_state(client, staff, make_intake):
    make_intake()
    make_intake(urgent=True)
    make_intake(state=IntakeState.PAUSED)
    counts = text(client.get("/coordinator/today/counts", headers=HX))
    assert counts.startswith('<section id="today-counts"')
    assert "<strong>2</strong> waiting" in counts
    assert "<strong>1</strong> paused" in counts
    assert "<strong>1</strong> urgent request waiting" in counts


def test_offers_out_show_the_time_left_soonest_first(
        app, client, staff, make_intake, make_volunteer, offer):
    later = offer(make_intake(alias="Later"), make_volunteer(name="Vol One"))
    sooner = offer(make_intake(alias="Sooner"), make_volunteer(name="Vol Two"))
    with app.app_context():
        from portal.models import Match

        db.session.execute(sa.update(Match).where(Match.id == sooner.id)
                           .values(expires_at=utcnow() + timedelta(hours=5, minutes=10)))
        db.session.commit()
    body = text(client.get("/coordinator/today/offers", headers=HX))
    assert body.startswith('<section id="today-offers"')
    assert body.index("Sooner") < body.index("Later")
    assert "5 hours left" in body and "3 days left" in body
    assert "offered to Vol Two" in body
    assert later.id


def test_an_offer_past_its_time_says_so(app, client, staff, make_intake, make_volunteer, offer):
    match = offer(make_intake(), make_volunteer())
    with app.app_context():
        from portal.models import Match

        db.session.execute(sa.update(Match).where(Match.id == match.id)
                           .values(expires_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    assert "time is up" in text(client.get("/coordinator/today/offers", headers=HX))


def test_declines_and_expiries_need_a_next_step_with_the_next_suggestion(
        client, staff, make_intake, make_volunteer, decline, expire, suggest):
    first, second = make_volunteer(name="Dee Decliner"), make_volunteer(name="Ned Next")
    declined = make_intake(alias="Was Declined")
    suggest(declined)
    decline(declined, first)
    expired = make_intake(alias="Ran Out")
    expire(expired, second)
    body = text(client.get("/coordinator/today/follow-up", headers=HX))
    assert body.startswith('<section id="today-follow-up"')
    follow = body[:body.index("Change requests")]
    assert "Was Declined" in follow and "Declined · Dee Decliner" in follow
    assert "Ran Out" in follow and "Expired without an answer · Ned Next" in follow
    assert "Next to try: Ned Next" in follow  # Dee said no: never asked twice


def test_a_request_offered_again_no_longer_needs_a_next_step(
        client, staff, make_intake, make_volunteer, decline, offer):
    intake = make_intake(alias="Moved On")
    decline(intake, make_volunteer())
    offer(intake, make_volunteer())
    follow = text(client.get("/coordinator/today/follow-up", headers=HX))
    assert "Moved On" not in follow


def test_change_requests_are_listed_in_one_place(
        client, staff, make_intake, make_volunteer, change_requested):
    change_requested(make_intake(alias="Wants Change"), make_volunteer(name="Old Peer"))
    body = text(client.get("/coordinator/today/follow-up", headers=HX))
    changes = body[body.index("Change requests"):]
    assert "Wants Change" in changes and "asked by the volunteer" in changes
    assert "Wants Change" not in body[:body.index("Change requests")]
    page = text(client.get("/coordinator/"))
    queue = page[page.index('id="today-queue"'):page.index('id="today-follow-up"')]
    assert "Priority, after a change" in queue


def test_safety_concerns_are_listed_until_acknowledged(
        client, staff, post, make_intake, make_volunteer, safety_check_in, events):
    entry = safety_check_in(make_intake(alias="Needs Care"), make_volunteer(name="Watchful Vol"))
    page = text(client.get("/coordinator/"))
    assert "Needs Care" in page and "flagged by Watchful Vol" in page
    assert "<strong>1</strong> safety concern to take on" in page

    response = post(f"/coordinator/check-ins/{entry.id}/acknowledge", htmx=True)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "today-changed"
    body = text(response)
    assert body.startswith('<section id="today-safety"')
    assert "marked as taken on" in body and "Needs Care" not in body
    assert "Needs Care" not in text(client.get("/coordinator/today/safety", headers=HX))
    (ack,) = events("acknowledge", entry.id)
    assert (ack.actor_id, ack.detail, ack.subject_type) == (staff.id, "safety_concern", "check_in")


def test_acknowledging_twice_records_it_once(staff, post, make_intake, make_volunteer,
                                            safety_check_in, events):
    entry = safety_check_in(make_intake(), make_volunteer())
    post(f"/coordinator/check-ins/{entry.id}/acknowledge")
    response = post(f"/coordinator/check-ins/{entry.id}/acknowledge")
    assert response.status_code == 303 and response.headers["Location"] == "/coordinator/"
    assert len(events("acknowledge")) == 1


def test_only_a_safety_concern_can_be_acknowledged(program_today, app, staff, post, make_intake, make_volunteer,
                                                   accept, events):
    from portal.models import User
    from portal.services import relationships

    profile = make_volunteer()
    match = accept(make_intake(), profile)
    with app.app_context():
        entry = relationships.log_check_in(
            db.session, match, actor=db.session.get(User, profile.user_id),
            occurred_on=program_today, mode="phone", flag="going_well")
        db.session.commit()
    assert post(f"/coordinator/check-ins/{entry.id}/acknowledge").status_code == 409
    assert events("acknowledge") == []


@pytest.mark.parametrize("path, region", [
    ("/coordinator/", "today-queue"),
    ("/coordinator/today/counts", "today-counts"),
    ("/coordinator/today/offers", "today-offers"),
    ("/coordinator/today/follow-up", "today-follow-up"),
    ("/coordinator/today/safety", "today-safety"),
    ("/coordinator/today/referrals", "today-referrals"),
    ("/coordinator/today/follow-through", "today-follow-through"),
])
def test_each_region_is_a_fragment_for_htmx_and_the_whole_page_otherwise(client, staff, path,
                                                                        region):
    part, full = client.get(path, headers=HX), client.get(path)
    assert part.get_data(as_text=True).lstrip().startswith(f'<section id="{region}"')
    assert "HX-Request" in part.headers["Vary"]
    page = full.get_data(as_text=True)
    assert "<h1>Today</h1>" in page
    for every in ("today-queue", "today-counts", "today-offers", "today-follow-up",
                  "today-safety", "today-referrals", "today-follow-through"):
        assert f'id="{every}"' in page


def test_the_lists_refresh_themselves_after_an_action_on_today(client, staff):
    page = client.get("/coordinator/").get_data(as_text=True)
    for region in ("today-counts", "today-queue", "today-offers", "today-follow-up"):
        start = page.index(f'id="{region}"')
        assert 'hx-trigger="today-changed from:body"' in page[start:page.index(">", start)]


def test_every_item_links_to_its_request(client, staff, make_intake, make_volunteer, offer,
                                         safety_check_in):
    waiting = make_intake()
    offered = make_intake()
    offer(offered, make_volunteer())
    flagged = make_intake()
    safety_check_in(flagged, make_volunteer())
    page = client.get("/coordinator/").get_data(as_text=True)
    for intake in (waiting, offered, flagged):
        assert f'href="/coordinator/intakes/{intake.id}' in page


def test_today_reads_no_record_so_it_writes_no_view(client, staff, make_intake, events):
    make_intake()
    client.get("/coordinator/")
    assert events("view") == []


def test_an_admin_has_the_same_home_with_their_own_links(client, login_as):
    login_as("admin")
    page = client.get("/coordinator/").get_data(as_text=True)
    assert "Audit log" in page and "Settings" in page


def test_a_waiting_intake_with_only_closed_history_is_not_a_follow_up(
        app, client, staff, make_intake):
    intake = make_intake(alias="Fresh One")
    with app.app_context():
        assert db.session.get(Intake, intake.id).state == IntakeState.WAITING
    body = text(client.get("/coordinator/today/follow-up", headers=HX))
    assert "Fresh One" not in body
