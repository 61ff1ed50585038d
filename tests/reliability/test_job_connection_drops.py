"""A job whose database connection dies at any statement is finished by its retry, once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import DeliveryStatus, Notification, OutboxJob, OutboxState
from portal.services import notifications
from workers import runtime


def _urgent_email(app, make_user):
    with app.app_context():
        note = notifications.notify(db.session, make_user("coordinator"), "safety_flag")
        db.session.commit()
        row = db.session.execute(sa.select(OutboxJob)).scalar_one()
    return note, row


def _run(row) -> bool:
    """One attempt of the job, as RQ would make it; True if it reported success."""
    try:
        runtime.run_outbox_job(row.id)
    except runtime.JobFailed:
        return False
    return True


def test_an_email_job_survives_a_dropped_connection_at_every_statement(
        app, make_user, mail, faults):
    note, row = _urgent_email(app, make_user)
    faults.arm()
    assert _run(row)
    statements = faults.statements
    assert len(mail) == 1 and statements > 3
    for n in range(1, statements + 1):
        mail.clear()
        with app.app_context():  # the same email, not sent yet, again
            db.session.execute(sa.update(Notification).where(Notification.id == note.id).values(
                status=DeliveryStatus.PENDING, claimed_by=None, claimed_at=None, sent_at=None))
            db.session.execute(sa.update(OutboxJob).values(state=OutboxState.DISPATCHED))
            db.session.commit()
        faults.arm(statements=[n])
        first = _run(row)
        faults.disarm()
        retried = first or _run(row)  # RQ retries a job that did not report success
        assert retried, f"statement {n}: the retry did not finish"
        with app.app_context():
            sent = db.session.get(Notification, note.id)
            done = db.session.get(OutboxJob, row.id)
        assert sent.status == DeliveryStatus.SENT and done.state == OutboxState.DONE, n
        ids = {m["Message-ID"] for m in mail}
        assert ids == {f"<n-{note.id}@portal.test>"}, n  # a resend, if any, is the same email
        # Only a drop after the server's 250 may cause a second copy.
        assert len(mail) <= 2, n
        if not first:
            assert faults.kills, n


@pytest.mark.parametrize("kind", ["suggest_for_intake"])
def test_a_matching_job_survives_a_dropped_connection_at_every_statement(
        app, make_user, make_intake, make_volunteer, faults, kind):
    from portal.models import Suggestion
    from portal.services import outbox

    make_user("coordinator")
    make_volunteer()
    intake = make_intake()
    with app.app_context():
        row = outbox.enqueue(db.session, kind, intake.id)
        db.session.commit()
    faults.arm()
    assert _run(row)
    statements = faults.statements
    for n in range(1, statements + 1):
        with app.app_context():
            db.session.execute(sa.delete(Suggestion))
            db.session.execute(sa.update(OutboxJob).where(OutboxJob.id == row.id)
                               .values(state=OutboxState.DISPATCHED))
            db.session.commit()
        faults.arm(statements=[n])
        first = _run(row)
        faults.disarm()
        assert first or _run(row), n
        with app.app_context():
            stored = db.session.execute(sa.select(Suggestion.volunteer_id)).scalars().all()
            assert len(stored) == 1 and db.session.get(OutboxJob, row.id).state == OutboxState.DONE
