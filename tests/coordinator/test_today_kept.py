"""Today kept rendered per process: shown again only while nothing it shows has changed."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.db import db
from portal.models import Intake, Match, User, utcnow
from portal.services import relationships
from tests.conftest import HX, Auth


def text(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def token_in(response) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.fixture
def renders(rendered_templates):
    """How many times the whole of Today was rendered while the test runs."""
    return lambda: rendered_templates.count("coordinator/today.html")


def test_a_second_view_with_nothing_changed_is_not_rendered_again(client, staff, renders):
    first = client.get("/coordinator/")
    second = client.get("/coordinator/")
    assert second.status_code == 200 and renders() == 1
    # The same page but for the token (signed with the time: it differs once a second turns).
    assert text(second).replace(token_in(second), "") == text(first).replace(token_in(first), "")


def test_a_new_safety_flag_shows_on_the_very_next_view(program_today,
        app, client, staff, make_intake, make_volunteer, accept):
    profile = make_volunteer(name="Watchful Vol")
    match = accept(make_intake(alias="Needs Care"), profile)
    assert "safety concern to take on" not in text(client.get("/coordinator/"))
    with app.app_context():
        relationships.log_check_in(
            db.session, db.session.get(Match, match.id),
            actor=db.session.get(User, profile.user_id), occurred_on=program_today,
            mode="phone", flag="safety_concern")
        db.session.commit()
    page = text(client.get("/coordinator/"))
    assert "<strong>1</strong> safety concern to take on" in page
    assert "flagged by Watchful Vol" in page


def test_an_acknowledged_concern_leaves_the_next_view(
        client, staff, post, make_intake, make_volunteer, safety_check_in):
    entry = safety_check_in(make_intake(alias="Needs Care"), make_volunteer(name="Watchful Vol"))
    assert "flagged by Watchful Vol" in text(client.get("/coordinator/"))
    post(f"/coordinator/check-ins/{entry.id}/acknowledge", htmx=True)
    assert "flagged by Watchful Vol" not in text(client.get("/coordinator/"))


def test_a_new_request_and_a_bulk_change_show_on_the_next_view(app, client, staff, make_intake):
    client.get("/coordinator/")
    intake = make_intake(alias="Just Arrived")
    assert "Just Arrived" in text(client.get("/coordinator/"))
    with app.app_context():
        db.session.execute(sa.update(Intake).where(Intake.id == intake.id).values(urgent=True))
        db.session.commit()
    assert "<strong>1</strong> urgent request waiting" in text(client.get("/coordinator/"))


def test_its_waiting_times_follow_the_clock_without_rendering_it_again(
        client, staff, make_intake, renders):
    make_intake(alias="Patient One", waiting_since=utcnow() - timedelta(minutes=30))
    with time_machine.travel(utcnow(), tick=False) as clock:
        assert "waiting 30 minutes" in text(client.get("/coordinator/"))
        clock.shift(timedelta(minutes=2))
        assert "waiting 32 minutes" in text(client.get("/coordinator/"))
        clock.shift(timedelta(minutes=10))
        assert "waiting 42 minutes" in text(client.get("/coordinator/"))
    assert renders() == 1


def test_a_first_contact_becoming_overdue_shows_on_the_first_view_after_its_moment(
        app, client, staff, silent, renders):
    from portal.services import settings

    with app.app_context():
        days = settings.get(db.session, "first_contact_days")["escalate"]
    silent(days=days - 10 / (24 * 60))  # overdue in ten minutes
    with time_machine.travel(utcnow(), tick=False) as clock:
        assert "first contact overdue" not in text(client.get("/coordinator/"))
        clock.shift(timedelta(minutes=9))
        assert "first contact overdue" not in text(client.get("/coordinator/"))
        assert renders() == 1  # kept across the minutes before its moment
        clock.shift(timedelta(minutes=1, seconds=1))
        page = text(client.get("/coordinator/"))
    assert "<strong>1</strong> first contact overdue" in page and "Still Waiting" in page


def test_a_relationship_going_quiet_shows_on_the_first_view_after_its_moment(
        app, client, staff, quiet):
    from portal.services import settings

    with app.app_context():
        weeks = settings.get(db.session, "quiet_weeks")["escalate"]
    quiet(weeks=weeks - 10 / (7 * 24 * 60))  # quiet enough in ten minutes
    with time_machine.travel(utcnow(), tick=False) as clock:
        assert "Gone Quiet" not in text(client.get("/coordinator/"))
        clock.shift(timedelta(minutes=10, seconds=1))
        assert "Gone Quiet" in text(client.get("/coordinator/"))


def test_an_offer_running_out_says_so_on_the_first_view_after_its_moment(
        app, client, staff, offer, make_intake, make_volunteer):
    match = offer(make_intake(alias="Offered One"), make_volunteer(name="Busy Vol"))
    with app.app_context():
        db.session.execute(sa.update(Match).where(Match.id == match.id)
                           .values(expires_at=utcnow() + timedelta(minutes=10)))
        db.session.commit()
    with time_machine.travel(utcnow(), tick=False) as clock:
        assert "10 minutes left" in text(client.get("/coordinator/"))
        clock.shift(timedelta(minutes=10, seconds=1))
        assert "time is up" in text(client.get("/coordinator/"))


@pytest.fixture
def colleague(app, make_user):
    """A second coordinator, signed in on a client of their own."""
    other = app.test_client()
    assert Auth(other).login(make_user("coordinator").email).status_code in (302, 303)
    return other


def test_each_coordinator_gets_their_own_token_and_only_theirs_works(
        client, staff, colleague, renders):
    mine, theirs = client.get("/coordinator/"), colleague.get("/coordinator/")
    assert renders() == 1 and token_in(mine) != token_in(theirs)
    nowhere = f"/coordinator/check-ins/{uuid.uuid4()}/acknowledge"
    assert client.post(nowhere, headers={**HX, "X-CSRFToken": token_in(mine)}).status_code == 404
    assert client.post(nowhere, headers={**HX, "X-CSRFToken": token_in(theirs)}).status_code == 400


def test_a_message_waiting_is_shown_to_its_coordinator_alone(
        client, staff, post, colleague, make_intake, make_volunteer, safety_check_in):
    entry = safety_check_in(make_intake(), make_volunteer())
    colleague.get("/coordinator/")
    assert post(f"/coordinator/check-ins/{entry.id}/acknowledge").status_code == 303
    assert "marked as taken on" in text(client.get("/coordinator/"))
    assert "marked as taken on" not in text(colleague.get("/coordinator/"))
    assert "marked as taken on" not in text(client.get("/coordinator/"))


def test_a_setting_changed_by_another_process_shows_with_the_version_it_moved(
        app, client, staff, accept, make_intake, make_volunteer):
    from portal.models import Setting, TodayVersion

    match = accept(make_intake(alias="Still Waiting"), make_volunteer(name="Slow Vol"))
    with app.app_context():
        db.session.execute(sa.update(Match).where(Match.id == match.id)
                           .values(activated_at=utcnow() - timedelta(days=2.5)))
        db.session.commit()
    assert "first contact overdue" not in text(client.get("/coordinator/"))
    # Another web process's save: the row and the version, none of this process's events.
    with db.engine.begin() as connection:
        connection.execute(sa.insert(Setting.__table__).values(
            key="first_contact_days", value={"remind": 1, "escalate": 2}, updated_at=utcnow()))
        connection.execute(sa.update(TodayVersion.__table__)
                           .values(version=TodayVersion.__table__.c.version + 1))
    assert "<strong>1</strong> first contact overdue" in text(client.get("/coordinator/"))


def test_a_french_coordinator_reads_the_same_times_in_french(
        app, client, staff, make_user, make_intake):
    make_intake(alias="Patient One", waiting_since=utcnow() - timedelta(days=3, hours=1))
    french = make_user("coordinator")
    with app.app_context():
        db.session.get(User, french.id).language = "fr"
        db.session.commit()
    other = app.test_client()
    assert Auth(other).login(french.email).status_code in (302, 303)
    assert "waiting 3 days" in text(client.get("/coordinator/"))
    page = text(other.get("/coordinator/"))
    assert "3 jours" in page and "3 days" not in page


def test_views_that_miss_at_once_share_one_render(app, monkeypatch):
    """A burst right after a change: the second view waits for the first one's render."""
    import threading

    from portal import shared_pages

    renders, second_waits, answers = [], threading.Event(), {}
    original = getattr(shared_pages, "_render_lock", None)

    def noting_lock(*args):
        if threading.current_thread().name == "second":
            second_waits.set()
        return original(*args)

    monkeypatch.setattr(shared_pages, "_render_lock", noting_lock, raising=False)

    def render():
        renders.append(threading.current_thread().name)
        if threading.current_thread().name == "first":
            second_waits.wait(10)  # the second view has reached the page's lock (or never does)
        return "<p>the page</p>", None

    def view(name):
        with app.test_request_context("/coordinator/"):
            answers[name] = shared_pages.render_kept("burst_test", (1, "coordinator"), render,
                                                     utcnow())

    first = threading.Thread(target=view, args=("first",), name="first")
    first.start()
    while not renders:  # the first view is inside its render
        threading.Event().wait(0.001)
    second = threading.Thread(target=view, args=("second",), name="second")
    second.start()
    first.join()
    second.join()
    assert renders == ["first"]
    assert answers == {"first": "<p>the page</p>", "second": "<p>the page</p>"}
