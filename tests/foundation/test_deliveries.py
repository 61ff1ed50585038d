"""Delivery attempts and failures, visible to the coordinator with a retry."""

from datetime import timedelta

import sqlalchemy as sa

from portal.db import db
from portal.models import DeliveryStatus, Notification, OutboxJob, OutboxState, utcnow
from portal.services import notifications
from portal.services.outbox import dispatch
from tests.conftest import csrf_token


def failed_note(app, user):
    with app.app_context():
        note = notifications.notify(db.session, user, "offer")
        db.session.commit()
        db.session.execute(sa.update(Notification).values(status=DeliveryStatus.FAILED, attempts=4,
                                                          last_error="ConnectionRefusedError"))
        db.session.execute(sa.update(OutboxJob).values(state=OutboxState.FAILED))
        db.session.commit()
        return note


def test_the_coordinator_sees_failed_emails_without_names(app, client, login_as, make_user):
    login_as("coordinator")
    volunteer = make_user("volunteer", email="canary.volunteer@example.org")
    failed_note(app, volunteer)
    page = client.get("/notifications/deliveries").get_data(as_text=True)
    assert "failed" in page and "ConnectionRefusedError" in page and "volunteer" in page
    assert "canary.volunteer" not in page


def test_send_again_delivers_a_failed_email(app, client, login_as, make_user, mail, run_jobs, hx):
    login_as("coordinator")
    note = failed_note(app, make_user("volunteer"))
    response = client.post(f"/notifications/deliveries/{note.id}/retry",
                           headers={**hx, "X-CSRFToken": csrf_token(client)})
    assert response.status_code == 200 and 'id="deliveries"' in response.get_data(as_text=True)
    run_jobs()
    assert len(mail) == 1
    with app.app_context():
        assert db.session.get(Notification, note.id).status == DeliveryStatus.SENT


def test_the_queue_giving_up_marks_the_email_failed(app, make_user, redis):
    user = make_user("volunteer")
    with app.app_context():
        note = notifications.notify(db.session, user, "offer")
        db.session.commit()
        db.session.execute(sa.update(OutboxJob).values(attempts=dispatch.MAX_ATTEMPTS))
        db.session.commit()
        redis.flushdb()
        dispatch.reconcile(now=utcnow() + timedelta(minutes=11))
        db.session.expire_all()
        assert db.session.get(Notification, note.id).status == DeliveryStatus.FAILED


def test_volunteers_cannot_see_deliveries(client, login_as):
    login_as("volunteer")
    assert client.get("/notifications/deliveries").status_code == 403
