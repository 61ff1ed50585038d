"""The one notification path, delivered through a real SMTP server."""

import smtplib

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import DeliveryStatus, Notification
from portal.services import notifications
from workers.jobs.notifications import send_notification

NAME = "Canary Jordan-Whitfield"


@pytest.fixture
def coordinator(make_user):
    return make_user("coordinator", email="jordan.whitfield@example.org")


def notify(app, user, kind="urgent_request"):
    with app.app_context():
        note = notifications.notify(db.session, user, kind)
        db.session.commit()
        return note


def test_a_notification_is_delivered_once_with_a_neutral_subject_and_body(app, coordinator, mail, run_jobs):
    notify(app, coordinator, "new_request")
    run_jobs()
    [message] = mail
    assert message["Subject"] == "An update in your member portal"
    assert message["To"] == "jordan.whitfield@example.org"
    body = message.get_content()
    assert "https://portal.test/sign-in" in body
    assert "?" not in body.split("https://portal.test/sign-in")[1].split()[0] if body.split(
        "https://portal.test/sign-in")[1].strip() else True


def test_no_email_carries_program_words_names_or_identifiers(app, coordinator, mail, run_jobs):
    for kind in notifications.KINDS:
        notify(app, coordinator, kind)
    run_jobs()
    assert len(mail) == len(notifications.KINDS)
    banned = ["addict", "alcohol", "drug", "substance", "mental", "depress", "anxi", "suicid",
              "crisis", "distress", "burnout", "stress", "therap", "counsel", "peer support",
              "assistance", "wellness", "recovery", "intake", "referral", "match", "jordan",
              "whitfield"]
    for message in mail:
        text = (message["Subject"] + message.get_content()).lower()
        assert [word for word in banned if word in text] == []
        assert not list(message.iter_attachments())


def test_the_message_id_is_deterministic(app, coordinator, mail, run_jobs):
    note = notify(app, coordinator)
    run_jobs()
    assert mail[0]["Message-ID"] == f"<n-{note.id}@portal.test>"


def test_running_the_job_twice_sends_once(app, coordinator, mail):
    note = notify(app, coordinator)
    with app.app_context():
        send_notification(db.session, str(note.id))
        db.session.commit()
        send_notification(db.session, str(note.id))
        db.session.commit()
        assert db.session.get(Notification, note.id).status == DeliveryStatus.SENT
    assert len(mail) == 1


def test_smtp_down_leaves_the_notification_pending_for_a_retry(app, coordinator):
    note = notify(app, coordinator)
    with app.app_context():
        with pytest.raises((smtplib.SMTPException, OSError)):
            send_notification(db.session, str(note.id))
        stored = db.session.execute(sa.select(Notification)).scalar_one()
        assert stored.status == DeliveryStatus.PENDING
        assert stored.last_error in ("ConnectionRefusedError", "SMTPServerDisconnected")


def test_smtp_back_up_delivers_what_waited(app, coordinator, mail):
    note = notify(app, coordinator)
    mail_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1  # nothing listens there
    with app.app_context():
        with pytest.raises((smtplib.SMTPException, OSError)):
            send_notification(db.session, str(note.id))
    app.config["MAIL_PORT"] = mail_port
    with app.app_context():
        send_notification(db.session, str(note.id))
        db.session.commit()
    assert len(mail) == 1


def test_a_header_injection_attempt_is_refused(app):
    from workers.mail import build_message

    with pytest.raises(ValueError):
        build_message(app.config, to="x@example.org\r\nBcc: evil@example.org", subject="s",
                      body="b", message_id="<x@y>")


def test_unread_counts_and_the_list(app, client, login_as, hx):
    user = login_as("volunteer")
    with app.app_context():
        notifications.notify(db.session, user, "offer")
        db.session.commit()
    assert ">1<" in client.get("/notifications/count", headers=hx).get_data(as_text=True)
    assert "new offer" in client.get("/notifications/").get_data(as_text=True)
    assert ">1<" not in client.get("/notifications/count", headers=hx).get_data(as_text=True)


def test_non_urgent_mail_waits_for_quiet_hours_to_end(app, coordinator, time_machine_at_night):
    from portal.models import OutboxJob

    note = notify(app, coordinator, "new_request")
    with app.app_context():
        job = db.session.execute(sa.select(OutboxJob)).scalar_one()
        assert note.send_after is not None and note.send_after.hour == 14  # 07:00 in Edmonton (UTC-7)
        assert job.run_after == note.send_after


def test_urgent_mail_goes_out_during_quiet_hours(app, coordinator, time_machine_at_night):
    note = notify(app, coordinator, "urgent_request")
    assert note.send_after is None


@pytest.fixture
def program_quiet_hours(app):
    from portal.services import settings

    with app.app_context():
        settings.put(db.session, "quiet_hours", settings.DEFAULTS["quiet_hours"])
        db.session.commit()


@pytest.fixture
def time_machine_at_night(program_quiet_hours):
    import datetime as dt

    import time_machine

    # 23:30 in Edmonton on a winter night (06:30 UTC the next day).
    with time_machine.travel(dt.datetime(2026, 12, 2, 6, 30, tzinfo=dt.UTC), tick=False):
        yield


def test_quiet_hours_cover_the_night_only(app, program_quiet_hours):
    from datetime import UTC, datetime

    from portal.services.notifications import quiet_until

    with app.app_context():
        evening = quiet_until(db.session, datetime(2026, 12, 2, 5, 0, tzinfo=UTC))   # 22:00 local
        morning = quiet_until(db.session, datetime(2026, 12, 2, 13, 30, tzinfo=UTC))  # 06:30 local
        day = quiet_until(db.session, datetime(2026, 12, 2, 18, 0, tzinfo=UTC))      # 11:00 local
    assert evening == datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    assert morning == datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    assert day is None
