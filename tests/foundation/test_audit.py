"""The audit log: append-only and hash-chained (tampering: test_audit_chain.py)."""

import pytest
import sqlalchemy as sa

from portal.security import audit


@pytest.fixture
def events(session):
    for action in ("view", "update", "view"):
        audit.record(session, action=action, subject_type="intake", subject_id="x")
    session.commit()
    return session


def test_the_chain_verifies(events):
    assert audit.verify_chain(events) is None


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET action = 'nothing'",
                                       "DELETE FROM audit_event"])
def test_the_database_refuses_to_change_or_delete_events(events, statement):
    with pytest.raises(sa.exc.DatabaseError):
        events.execute(sa.text(statement))
        events.commit()
    events.rollback()


def _events(app):
    from portal.db import db
    from portal.models import AuditEvent

    with app.app_context():
        return db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).scalars().all()


def test_every_event_of_a_request_names_that_request(app, client, make_user, auth):
    user = make_user("participant")
    response = auth.login(user.email)
    [event] = [e for e in _events(app) if e.action == "login_ok"]
    assert event.request_id == response.headers["X-Request-ID"]
    auth.logout()
    logout = [e for e in _events(app) if e.action == "logout"]
    assert logout[0].request_id not in (None, event.request_id)

