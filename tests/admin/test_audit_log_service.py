"""The audit log's filters, called directly: each narrows the events the admin sees."""

from datetime import UTC, datetime

import pytest

from portal.models import User
from portal.security import audit
from portal.services import audit_log

MORNING = datetime(2026, 11, 27, 9, tzinfo=UTC)


@pytest.fixture
def admin(make_user, session):
    return session.get(User, make_user("admin").id)


def record(session, action="view", **fields):
    return audit.record(session, action=action, subject_type="intake", subject_id="abc", **fields)


def no_filters(**given):
    return dict.fromkeys(audit_log.FILTERS, "") | given


def test_without_filters_the_newest_come_first(session):
    first, second = record(session), record(session)
    session.flush()
    assert audit_log.events(session, no_filters(), 50)[:2] == [second, first]


def test_an_action_filter_matches_exactly(session):
    reveal = record(session, "reveal")
    record(session, "reveal_all")
    session.flush()
    assert audit_log.events(session, no_filters(action="reveal"), 50) == [reveal]


def test_a_person_filter_keeps_their_events(session, admin):
    theirs = record(session, actor=admin)
    record(session)
    session.flush()
    assert audit_log.events(session, no_filters(actor_id=str(admin.id)), 50) == [theirs]


def test_a_day_filter_keeps_that_day_in_the_programs_time_zone(session):
    """The log shows Alberta times, so 27 November is 07:00 UTC to 07:00 UTC the next day."""
    record(session, at=datetime(2026, 11, 27, 6, 59, tzinfo=UTC))   # 26 Nov, 23:59 MST
    first = record(session, at=datetime(2026, 11, 27, 7, 0, tzinfo=UTC))
    last = record(session, at=datetime(2026, 11, 28, 6, 59, tzinfo=UTC))  # 27 Nov, 23:59 MST
    record(session, at=datetime(2026, 11, 28, 7, 0, tzinfo=UTC))
    session.flush()
    assert audit_log.events(session, no_filters(day="2026-11-27"), 50) == [last, first]


def test_pages_go_back_from_the_last_event_shown(session):
    events = [record(session) for _ in range(5)]
    session.flush()
    page = audit_log.events(session, no_filters(action="view"), 2, before=events[3].id)
    assert page == [events[2], events[1]]


def test_filters_that_make_no_sense_are_named_and_ignored(session):
    event = record(session)
    session.flush()
    odd = no_filters(day="yesterday", actor_id="nobody")
    assert audit_log.ignored(odd) == {"day", "actor_id"}
    assert audit_log.events(session, odd, 50)[0] == event


def test_empty_filters_are_not_ignored_ones(session):
    assert audit_log.ignored(no_filters()) == set()


def test_the_action_choices_are_each_action_once_in_order(session):
    for action in ("view", "reveal", "view"):
        record(session, action)
    session.flush()
    assert {"reveal", "view"} <= set(audit_log.actions(session))
    assert audit_log.actions(session) == sorted(set(audit_log.actions(session)))


def test_a_day_at_the_edge_of_the_calendar_is_not_a_crash(session):
    """Found by the hostile-input walk: 9999-12-31 has no next day (it was a 500)."""
    event = record(session)
    session.flush()
    assert audit_log.ignored(no_filters(day="9999-12-31")) == {"day"}
    assert audit_log.events(session, no_filters(day="9999-12-31"), 50)[0] == event
    assert audit_log.events(session, no_filters(day="0001-01-01"), 50) == []


def test_a_filter_with_a_nul_character_matches_nothing(session):
    """Found by the hostile-input walk: PostgreSQL refuses NUL in a comparison (a 500)."""
    record(session)
    session.flush()
    for key in ("action", "subject_type", "subject_id"):
        assert audit_log.events(session, no_filters(**{key: "view\x00"}), 50) == []
