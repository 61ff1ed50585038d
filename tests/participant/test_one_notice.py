"""One notice per event: staff hear of a request once, urgent ones at once."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import time_machine

from portal.db import db
from portal.models import Intake, Notification, utcnow
from portal.services import intake as intakes


def staff_kinds(app, person) -> list[str]:
    with app.app_context():
        return db.session.execute(sa.select(Notification.kind).where(
            Notification.recipient_id == person.id).order_by(Notification.created_at)).scalars().all()


def test_a_routine_request_reaches_each_coordinator_once_with_its_suggestions(
        app, make_user, make_volunteer, wizard, run_jobs):
    coordinators = [make_user("coordinator"), make_user("admin")]
    make_volunteer()
    wizard.complete(danger="no")
    run_jobs()
    assert [staff_kinds(app, person) for person in coordinators] == [["suggestions_ready"]] * 2


def test_an_urgent_request_is_announced_at_once_and_only_once(
        app, make_user, make_volunteer, wizard, run_jobs):
    coordinator = make_user("coordinator")
    make_volunteer()
    wizard.complete(danger="yes")
    assert staff_kinds(app, coordinator) == ["urgent_request"]  # before any worker ran
    run_jobs()
    assert staff_kinds(app, coordinator) == ["urgent_request"]


def test_if_the_suggestions_never_come_the_request_is_announced_after_a_short_wait(
        app, make_user, wizard, run_jobs, redis):
    coordinator = make_user("coordinator")
    wizard.complete(danger="no")
    redis.flushdb()  # the suggestion job is lost and nothing repairs it in this test
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM outbox_job WHERE kind = 'suggest_for_intake'"))
        db.session.commit()
    run_jobs()
    assert staff_kinds(app, coordinator) == []  # not yet: it waits for suggestions first
    with time_machine.travel(utcnow() + intakes.ANNOUNCE_AFTER + timedelta(seconds=5)):
        run_jobs()
    assert staff_kinds(app, coordinator) == ["new_request"]


def test_the_fallback_stays_quiet_once_the_suggestions_were_announced(
        app, make_user, make_volunteer, wizard, run_jobs):
    coordinator = make_user("coordinator")
    make_volunteer()
    wizard.complete(danger="no")
    run_jobs()
    with time_machine.travel(utcnow() + intakes.ANNOUNCE_AFTER + timedelta(seconds=5)):
        run_jobs()
    assert staff_kinds(app, coordinator) == ["suggestions_ready"]


def test_a_request_back_in_the_queue_is_announced_by_its_event_alone(
        app, make_user, make_volunteer, make_intake, run_jobs):
    from portal.services import matching, notifications

    coordinator = make_user("coordinator")
    make_volunteer()
    waiting = make_intake()
    with app.app_context():
        intake = db.session.get(Intake, waiting.id)
        intake.waiting_since = utcnow()
        notifications.notify_staff(db.session, "change_requested", subject_type="intake",
                                   subject_id=intake.id)
        matching.suggest_for_intake(db.session, intake.id)
        db.session.commit()
    assert staff_kinds(app, coordinator) == ["change_requested"]
