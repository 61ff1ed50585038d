"""The clock verifies the audit chain daily; admins hear of a break once, the clock's log always."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.db import db
from portal.models import AuditCheck, Notification
from workers import clock

START = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def verify_task(app):
    [task] = [t for t in clock.tasks(app.config) if t.name == "verify audit chain"]
    return task


def run_check(app):
    with app.app_context():
        return verify_task(app).run()


def audit_notices(app) -> list[Notification]:
    with app.app_context():
        return db.session.execute(sa.select(Notification).where(
            Notification.kind == "audit_broken")).scalars().all()


@pytest.fixture
def people(make_user):
    """Two admins, one disabled admin and a coordinator."""
    return {"admins": [make_user("admin"), make_user("admin")],
            "disabled admin": make_user("admin", is_enabled=False),
            "coordinator": make_user("coordinator")}


@pytest.fixture
def chain(record_events, people):
    return record_events(4, actor=people["coordinator"])


def test_the_check_runs_daily_by_default_and_its_interval_comes_from_the_config(app):
    assert verify_task(app).every_seconds == 86400
    assert {t.name: t.every_seconds for t in clock.tasks({"AUDIT_VERIFY_SECONDS": 3600})}[
        "verify audit chain"] == 3600


def test_an_intact_chain_tells_no_one_and_the_log_says_intact(app, chain, people, caplog):
    caplog.set_level(logging.INFO, logger="workers.clock")
    run_check(app)
    assert audit_notices(app) == []
    assert "audit chain intact: 4 events" in caplog.text


def test_one_break_notifies_every_active_admin_exactly_once(app, chain, people, tamper, caplog):
    caplog.set_level(logging.INFO, logger="workers.clock")
    tamper.update(chain[1], detail="nothing")
    run_check(app)
    run_check(app)  # the next day: the same break
    told = sorted(str(note.recipient_id) for note in audit_notices(app))
    assert told == sorted(str(admin.id) for admin in people["admins"])
    assert f"audit chain broken at event {chain[1]}: hash_mismatch; 2 admins notified" in caplog.text
    assert (f"audit chain broken at event {chain[1]}: hash_mismatch; admins already notified"
            in caplog.text)
    with app.app_context():
        check = db.session.get(AuditCheck, 1)
    assert (check.broken_id, check.problem) == (chain[1], "hash_mismatch")


def test_the_notice_says_only_that_the_check_needs_attention(app, chain, people, tamper):
    from portal.services.notifications import KINDS

    tamper.update(chain[1], detail="nothing")
    run_check(app)
    words = str(KINDS["audit_broken"].in_app)
    assert words == "The daily audit log check needs an administrator's attention."
    assert all(not note.urgent for note in audit_notices(app))


def test_an_earlier_break_found_later_is_a_new_notice(app, chain, people, tamper):
    tamper.update(chain[2], detail="nothing")
    run_check(app)
    tamper.update(chain[0], detail="nothing")
    run_check(app)
    assert len(audit_notices(app)) == 2 * len(people["admins"])


def test_a_mark_forged_without_the_key_does_not_silence_the_alert(app, chain, people, tamper):
    tamper.update(chain[1], detail="nothing")
    tamper.execute(sa.insert(AuditCheck.__table__).values(
        id=1, checked_at=START, events=4, broken_id=chain[1], problem="hash_mismatch",
        alerted_seal="a1:" + "0" * 64))
    run_check(app)
    assert len(audit_notices(app)) == len(people["admins"])


def test_a_chain_intact_again_is_forgotten_so_a_new_break_is_told(app, chain, people, tamper):
    original = tamper.rows()[1].detail
    tamper.update(chain[1], detail="nothing")
    run_check(app)
    tamper.update(chain[1], detail=original)  # restored from a backup
    run_check(app)
    tamper.update(chain[1], detail="nothing")
    run_check(app)
    assert len(audit_notices(app)) == 2 * len(people["admins"])


def test_two_clocks_verify_once_a_day(app, chain, people, tamper, caplog):
    caplog.set_level(logging.INFO, logger="workers.clock")
    tamper.update(chain[1], detail="nothing")
    schedules = [clock.tasks(app.config), clock.tasks(app.config)]
    for hours in (0, 1, 12, 24, 25, 48):
        for number, schedule in enumerate(schedules):
            with time_machine.travel(START + timedelta(hours=hours, seconds=number), tick=False):
                clock.tick(app, schedule, 1000.0 + hours * 3600 + number, holder=f"clock {number}")
    checks = [r for r in caplog.records if r.getMessage().startswith("audit chain broken")]
    assert len(checks) == 3  # at 0, 24 and 48 hours
    with app.app_context():
        assert db.session.get(AuditCheck, 1).checked_at == START + timedelta(hours=48)
    assert len(audit_notices(app)) == len(people["admins"])
