"""The notification list and the deliveries page's reads, called directly."""

import uuid
from datetime import timedelta

import pytest

from portal.models import Role, User, utcnow
from portal.services import notifications
from portal.services.errors import NotFound


@pytest.fixture
def people(make_user, session):
    made = make_user("volunteer"), make_user("coordinator")
    return [session.get(User, person.id) for person in made]


def note(session, user, kind="offer", *, hours_ago=0):
    made = notifications.notify(session, user, kind)
    made.created_at = utcnow() - timedelta(hours=hours_ago)
    return made


def test_opening_the_list_gives_the_newest_first_and_what_was_unread(session, people):
    volunteer, _ = people
    older, newer = note(session, volunteer, hours_ago=2), note(session, volunteer)
    older.read_at = utcnow()
    items, unread_ids = notifications.open_recent(session, volunteer)
    assert items == [newer, older] and unread_ids == {newer.id}


def test_opening_the_list_marks_everything_read(session, people):
    volunteer, _ = people
    note(session, volunteer)
    notifications.open_recent(session, volunteer)
    assert notifications.unread_count(session, volunteer) == 0


def test_the_list_holds_only_the_persons_own(session, people):
    volunteer, coordinator = people
    note(session, coordinator, "new_request")
    items, _unread = notifications.open_recent(session, volunteer)
    assert items == [] and notifications.unread_count(session, coordinator) == 1


def test_the_list_stops_at_its_limit(session, people):
    volunteer, _ = people
    made = [note(session, volunteer, hours_ago=hours) for hours in range(3)]
    items, _unread = notifications.open_recent(session, volunteer, limit=2)
    assert items == made[:2]


def test_deliveries_show_each_recipients_role(session, people):
    volunteer, coordinator = people
    sent = [note(session, volunteer), note(session, coordinator, "new_request")]
    assert notifications.recipient_roles(session, sent) == {
        volunteer.id: Role.VOLUNTEER, coordinator.id: Role.COORDINATOR}


def test_an_unknown_notification_is_not_found(session):
    with pytest.raises(NotFound):
        notifications.get_notification(session, uuid.uuid4())
