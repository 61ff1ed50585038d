"""Retention: requests ended longer ago than the retention period are erased."""

import datetime as dt

import sqlalchemy as sa
import time_machine

from portal.db import db
from portal.models import AuditEvent, Intake, IntakeState, User
from portal.services.erasure import purge_past_retention

NOTE = "CANARY-retention-note"


def closed_intake(make_intake, **fields):
    return make_intake(state=IntakeState.CLOSED, note=NOTE, phone="403-555-0199",
                       closed_at=dt.datetime(2024, 1, 10, tzinfo=dt.UTC), firms=["Canary Firm LLP"],
                       **fields)


def test_requests_past_retention_are_erased_and_audited(app, make_intake):
    for _ in range(5):  # as many as the smallest report threshold: their rows may stay
        closed_intake(make_intake, submitted_at=dt.datetime(2023, 11, 20, tzinfo=dt.UTC))
    with app.app_context(), time_machine.travel(dt.datetime(2026, 6, 1, tzinfo=dt.UTC)):
        assert purge_past_retention(db.session, k=5) == 5
        db.session.commit()
        raw = db.session.execute(sa.text(
            "SELECT note_ct, phone_ct, alias_ct, participant_id, region FROM intake")).all()
        assert raw == [(None, None, None, None, None)] * 5
        assert db.session.execute(sa.text("SELECT count(*) FROM conflict_entry")).scalar() == 0
        assert db.session.query(AuditEvent).filter_by(action="purge").count() == 5


def test_a_lone_request_past_retention_leaves_no_row_that_would_stand_out(app, make_intake):
    intake = closed_intake(make_intake)
    with app.app_context(), time_machine.travel(dt.datetime(2026, 6, 1, tzinfo=dt.UTC)):
        assert purge_past_retention(db.session) == 1
        db.session.commit()
        assert db.session.get(Intake, intake.id) is None
        assert db.session.query(AuditEvent).filter_by(action="purge").count() == 1


def test_the_account_goes_when_nothing_of_theirs_is_kept(app, make_intake):
    intake = closed_intake(make_intake)
    with app.app_context(), time_machine.travel(dt.datetime(2026, 6, 1, tzinfo=dt.UTC)):
        purge_past_retention(db.session)
        db.session.commit()
        assert db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar() == 0
    assert intake.participant_id is not None


def test_a_recently_closed_request_is_kept(app, make_intake):
    closed_intake(make_intake)
    with app.app_context(), time_machine.travel(dt.datetime(2025, 6, 1, tzinfo=dt.UTC)):
        assert purge_past_retention(db.session) == 0


def test_open_requests_are_never_purged(app, make_intake):
    make_intake(state=IntakeState.WAITING, submitted_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                state_changed_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    with app.app_context():
        assert purge_past_retention(db.session) == 0


def test_the_retention_period_comes_from_settings(app, make_intake):
    from portal.services import settings

    closed_intake(make_intake)
    with app.app_context(), time_machine.travel(dt.datetime(2024, 8, 1, tzinfo=dt.UTC)):
        settings.put(db.session, "retention_months", 6)
        assert purge_past_retention(db.session) == 1
