"""Sending a request: the crisis path, one submission = one intake, and encryption at rest."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import Intake, Notification, OutboxJob, Role, User
from portal.security.crypto import blind_index
from portal.services import intake as intakes
from portal.services import settings
from tests.participant.conftest import count


def test_yes_to_danger_shows_the_crisis_resources_at_once_and_lets_the_person_go_on(
        client, wizard):
    response = wizard.safety("yes")
    assert response.headers["Location"] == "/request"
    page = client.get("/request").get_data(as_text=True)
    assert "Please reach out now" in page
    assert 'href="tel:911"' in page and 'href="tel:988"' in page and "1-800-555-0199" in page
    assert 'href="/request/about"' in page and "Continue with my request" in page
    assert client.get("/request/about").status_code == 200


def test_over_htmx_the_crisis_resources_replace_the_question_in_place(hx_wizard):
    response = hx_wizard.safety("yes")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert "Please reach out now" in body and 'href="tel:988"' in body


def test_the_crisis_list_comes_from_the_settings(app, client, wizard):
    with app.app_context():
        settings.put(db.session, "crisis_resources",
                     [{"name": "Distress Centre", "phone": "403-266-4357", "hours": "24/7"}])
        db.session.commit()
    wizard.safety("yes")
    page = client.get("/request").get_data(as_text=True)
    assert "Distress Centre" in page and 'href="tel:4032664357"' in page


def test_a_request_after_yes_is_urgent_and_the_coordinator_is_told_discreetly(
        app, make_user, wizard):
    coordinator = make_user("coordinator")
    wizard.complete(danger="yes")
    with app.app_context():
        intake = db.session.execute(sa.select(Intake)).scalar_one()
        assert intake.urgent
        note = db.session.execute(sa.select(Notification)).scalar_one()
        assert (note.recipient_id, note.kind, note.urgent) == \
            (coordinator.id, "urgent_request", True)
        assert (note.subject_type, note.subject_id) == ("intake", str(intake.id))


def test_a_request_after_no_is_not_urgent_and_waits_for_its_suggestions_to_be_announced(
        app, make_user, wizard):
    make_user("coordinator")
    wizard.complete(danger="no")
    with app.app_context():
        assert not db.session.execute(sa.select(Intake.urgent)).scalar_one()
        assert db.session.execute(sa.select(Notification.kind)).scalars().all() == []


def test_a_double_click_lands_on_the_same_request(client, wizard):
    wizard.fill()
    token = wizard.token()
    cookie = client.get_cookie("session").value
    first = wizard.submit(token=token)
    assert first.headers["Location"] == "/request/sent"
    # The second click left with the first session's cookie, whose draft is gone since.
    client.set_cookie("session", cookie)
    second = client.post("/request/submit", data={"submission_token": token, "principles": "y"})
    assert (second.status_code, second.headers["Location"]) == (303, "/request/sent")
    assert count("intake") == 1 and count("user_account") == 0  # until the address is confirmed


def test_a_retry_from_the_signed_in_session_creates_nothing_new(client, wizard):
    wizard.fill()
    token = wizard.token()
    wizard.submit(token=token)
    again = wizard.submit(token=token)
    assert again.status_code == 303
    assert count("intake") == 1


def test_a_stranger_without_the_token_or_a_session_is_refused(client, wizard):
    response = client.post("/request/submit", data={"submission_token": "guess"})
    assert response.status_code == 400
    assert count("intake") == 0


def test_two_sends_at_the_same_moment_make_one_intake(app, client, wizard, monkeypatch):
    wizard.fill()
    token = wizard.token()
    with app.app_context():  # another request with this token commits first
        other = db.session.get(User, _make_participant(app))
        intakes.submit_intake(db.session, _answers(), token=token, user=other,
                              consent_version="2026-11")
        db.session.commit()
    real = intakes.find_by_token
    calls = []

    def not_yet(session, value):  # the first look happens before the other commit is visible
        calls.append(value)
        return None if len(calls) == 1 else real(session, value)

    monkeypatch.setattr(intakes, "find_by_token", not_yet)
    response = wizard.submit(token=token)
    assert response.headers["Location"] == "/request/sent"
    assert count("intake") == 1


def _make_participant(app):
    with app.app_context():
        user = User(role=Role.PARTICIPANT, email="other@example.org",
                    email_index=blind_index("other@example.org", "email"))
        db.session.add(user)
        db.session.commit()
        return user.id


def _answers() -> intakes.Answers:
    return intakes.Answers(
        alias="Sam", member_type="lawyer", career_band="6_10", region="calgary",
        languages=["en"], concerns=["grief_loss"], availability_mask=1)


def test_a_rolled_back_submission_leaves_neither_intake_nor_job(app):
    with app.app_context():
        user = db.session.get(User, _make_participant(app))
        intakes.submit_intake(db.session, _answers(), token="t" * 40, user=user,
                              consent_version="2026-11")
        kinds = db.session.execute(sa.select(OutboxJob.kind).order_by(OutboxJob.id)).scalars()
        assert list(kinds) == ["suggest_for_intake", "announce_request"]
        db.session.rollback()
    assert count("intake") == 0 and count("outbox_job") == 0


def test_the_service_refuses_codes_outside_the_vocabularies(app):
    with app.app_context():
        user = db.session.get(User, _make_participant(app))
        bad = intakes.Answers(alias="Sam", member_type="judge", career_band="6_10",
                              region="calgary", languages=["en"], concerns=["grief_loss"],
                              availability_mask=1)
        with pytest.raises(intakes.InvalidAnswers):
            intakes.submit_intake(db.session, bad, token="u" * 40, user=user,
                                  consent_version="2026-11")


def _every_stored_value():
    """Every value in every table, as raw SQL returns it (text and bytes alike)."""
    values = []
    with db.engine.connect() as connection:
        for table in sa.inspect(connection).get_table_names():
            for row in connection.execute(sa.text(f'SELECT * FROM "{table}"')):
                values.extend(v for v in row if isinstance(v, (str, bytes, memoryview)))
    return [bytes(v) if isinstance(v, memoryview) else v for v in values]


def _appears(secret: str, values) -> bool:
    return any(secret.lower() in (v.decode("latin-1") if isinstance(v, bytes) else v).lower()
               for v in values)


def test_note_phone_contact_times_and_conflicts_are_encrypted_at_rest(app, wizard):
    wizard.complete()
    with app.app_context():
        row = db.session.execute(sa.text(
            "SELECT note_ct, phone_ct, contact_times_ct, alias_ct FROM intake")).one()
        assert all(isinstance(value, (bytes, memoryview)) and value for value in row)
        stored = _every_stored_value()
    for secret in ("A private note about a hard year", "403-555-0123", "555-0123",
                   "Weekday evenings", "Northgate", "Bow River", "Quillfeather",
                   "sam@example.org"):
        assert not _appears(secret, stored), secret


def test_the_version_of_the_principles_shown_is_the_one_recorded(app, client, wizard):
    wizard.fill()
    hidden = wizard.hidden()
    assert hidden["consent_version"] == "2026-11"
    with app.app_context():  # the admin publishes new principles while the person reads
        settings.put(db.session, "consent_version", "2027-01")
        db.session.commit()
    response = wizard.submit(token=hidden["submission_token"], consent_version="2026-11")
    assert response.status_code == 422 and "were updated" in response.get_data(as_text=True)
    assert "Principles version 2027-01" in response.get_data(as_text=True)
    assert count("intake") == 0
    assert wizard.submit().headers["Location"] == "/request/sent"
    with app.app_context():
        assert db.session.execute(sa.select(Intake.consent_version)).scalar_one() == "2027-01"
