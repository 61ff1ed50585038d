"""Asking for a peer: every step, with and without htmx, back and forward, and the final send."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import (
    ConflictKind,
    Intake,
    IntakeState,
    Notification,
    OutboxJob,
    ServerSession,
    User,
    utcnow,
)
from portal.security.crypto import blind_index
from tests.participant.conftest import STEP_DATA, STEPS, count, wizard_region

NEXT = dict(zip(["safety", *STEPS], [*STEPS, "consent"], strict=True))


def url(step: str) -> str:
    return {"safety": "/request", "consent": "/request/consent"}.get(step, f"/request/{step}")


def test_every_step_is_a_normal_post_that_redirects_to_the_next(client, wizard):
    assert client.get("/request").status_code == 200
    response = wizard.safety("no")
    assert (response.status_code, response.headers["Location"]) == (303, "/request/about")
    for name in STEPS:
        page = client.get(url(name))
        assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
        response = wizard.step(name)
        assert (response.status_code, response.headers["Location"]) == (303, url(NEXT[name]))
    assert client.get("/request/consent").status_code == 200


def test_with_htmx_each_step_answers_the_next_fragment_and_pushes_its_url(client, hx_wizard):
    response = hx_wizard.safety("no")
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == "/request/about"
    for name in STEPS:
        response = hx_wizard.step(name)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, body
        assert response.headers["HX-Push-Url"] == url(NEXT[name])
        assert wizard_region(body).startswith('<section id="wizard"') and "<html" not in body
    assert "Send my request" in body


def test_one_url_serves_the_page_and_the_fragment(client, hx, wizard):
    wizard.safety("no")
    page = client.get("/request/about").get_data(as_text=True)
    fragment = client.get("/request/about", headers=hx).get_data(as_text=True)
    assert "<html" in page and 'id="wizard"' in page
    assert "<html" not in fragment and wizard_region(fragment).startswith('<section id="wizard"')
    assert "Vary" in client.get("/request/about", headers=hx).headers


def test_the_whole_journey_ends_with_one_intake_and_what_happens_next(app, client, wizard,
                                                                     confirm_address, auth):
    response = wizard.complete()
    assert (response.status_code, response.headers["Location"]) == (303, "/request/sent")
    page = client.get("/request/sent").get_data(as_text=True)
    assert "what happens next" in page.lower() and "Please check your email" in page
    confirm_address()
    with app.app_context():
        intake = db.session.execute(sa.select(Intake)).scalar_one()
        user = db.session.get(User, intake.participant_id)
        assert user.email == "sam@example.org" and str(user.role) == "participant"
        assert intake.state is IntakeState.WAITING and not intake.urgent
        assert (intake.alias, intake.member_type, intake.region) == ("Sam", "lawyer", "calgary")
        assert intake.languages == ["en", "fr"] and intake.practice_pref == "different"
        assert intake.concerns == ["stress_burnout", "grief_loss"]
        assert intake.primary_concern == "grief_loss" and intake.region_pref == "outside"
        assert intake.note == "A private note about a hard year"
        assert intake.phone == "403-555-0123" and intake.voicemail_ok
        assert intake.contact_times == "Weekday evenings after seven"
        assert intake.availability_mask == (1 << 3) | (1 << 11) | (1 << 20)
        assert intake.consent_version == "2026-11" and intake.consent_at is not None
        kinds = sorted((c.kind, c.value) for c in intake.conflicts)
        assert kinds == [(ConflictKind.FIRM, "Bow River Law"),
                         (ConflictKind.FIRM, "Northgate Legal LLP"),
                         (ConflictKind.PERSON, "Jordan Quillfeather")]
        firm = next(c for c in intake.conflicts if c.value == "Northgate Legal LLP")
        assert firm.value_index == blind_index("northgate legal", "name")
    auth.login("sam@example.org")
    home = client.get("/my")
    assert home.status_code == 200 and "Received" in home.get_data(as_text=True)


def test_the_final_send_over_htmx_redirects_the_whole_page(client, hx_wizard):
    response = hx_wizard.complete()
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/request/sent"


def test_the_intake_and_its_suggestion_job_are_committed_together(app, wizard, make_user):
    make_user("coordinator")
    wizard.complete()
    with app.app_context():
        intake = db.session.execute(sa.select(Intake)).scalar_one()
        jobs = db.session.execute(sa.select(OutboxJob).where(
            OutboxJob.kind == "suggest_for_intake")).scalars().all()
        assert [job.ref for job in jobs] == [str(intake.id)]
        # Staff hear of it once, with its suggestions (tests/participant/test_one_notice.py).
        kinds = db.session.execute(sa.select(Notification.kind)).scalars().all()
        assert kinds == []


def test_back_keeps_what_was_typed_even_before_it_is_complete(client, wizard):
    wizard.fill(upto="about")
    response = wizard.post("/request/support", {"note": "half a thought", "nav": "back"})
    assert (response.status_code, response.headers["Location"]) == (303, "/request/about")
    about = client.get("/request/about").get_data(as_text=True)
    assert 'value="Sam"' in about and '<option selected value="calgary">' in about
    support = client.get("/request/support").get_data(as_text=True)
    assert "half a thought" in support
    assert 'class="error"' not in support  # kept, but not scolded for on the way back


def test_a_reload_and_forward_keep_every_entry(client, wizard):
    wizard.fill(upto="contact")
    for name in ("about", "support", "availability", "contact"):
        page = client.get(url(name)).get_data(as_text=True)
        assert page.count(" checked") >= (1 if name in ("support", "availability") else 0)
    contact = client.get("/request/contact").get_data(as_text=True)
    assert 'value="sam@example.org"' in contact and 'value="403-555-0123"' in contact
    grid = client.get("/request/availability").get_data(as_text=True)
    assert re.search(r'value="wed_evening" id="cell-wed_evening" checked', grid)


def test_steps_cannot_be_skipped(client, wizard):
    assert client.get("/request/contact").headers["Location"] == "/request"
    wizard.safety("no")
    assert client.get("/request/contact").headers["Location"] == "/request/about"
    assert client.get("/request/consent").headers["Location"] == "/request/about"


def test_an_abandoned_draft_is_kept_encrypted_and_goes_with_the_idle_session(app, client, wizard):
    wizard.fill(upto="support")
    with app.app_context():
        stored = db.session.execute(sa.select(ServerSession.data_ct)).scalars().all()
        assert stored and not any(b"private note" in bytes(value) for value in stored)
        idle = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
        db.session.execute(sa.update(ServerSession).values(last_seen_at=idle))
        db.session.commit()
    assert client.get("/request/support").headers["Location"] == "/request"
    with app.app_context():  # the idle session, draft and all, was deleted on sight
        assert db.session.execute(sa.select(sa.func.count()).select_from(ServerSession)
                                  .where(ServerSession.last_seen_at <= idle)).scalar() == 0


def test_clearing_the_answers_forgets_them(client, wizard):
    wizard.fill(upto="support")
    response = wizard.post("/request/discard", {})
    assert response.headers["Location"] == "/"
    assert client.get("/request/about").headers["Location"] == "/request"


def test_nothing_is_stored_before_the_request_is_sent(app, wizard):
    before = {table: count(table) for table in ("user_account", "intake", "conflict_entry",
                                                "outbox_job", "notification")}
    wizard.fill()
    assert {table: count(table) for table in before} == before


def test_without_the_draft_the_send_asks_to_start_again(client, wizard):
    wizard.fill()
    token = wizard.token()
    wizard.post("/request/discard", {})
    response = wizard.submit(token=token)
    assert response.headers["Location"] == "/request"
    assert count("intake") == 0
    assert "start again" in client.get("/request").get_data(as_text=True)


def test_a_changed_answer_that_no_longer_passes_sends_the_person_back_to_it(client, wizard):
    wizard.fill()
    token = wizard.token()
    wizard.post("/request/about", {**STEP_DATA["about"], "alias": "", "nav": "back"})
    wizard.client.get("/request/about")
    # Back saved an empty name without completing the step; the consent page is out of reach…
    assert client.get("/request/consent").headers["Location"] == "/request/about"
    # …and a crafted send is refused the same way, with nothing stored.
    response = wizard.submit(token=token)
    assert response.headers["Location"] == "/request/about"
    assert count("intake") == 0


@pytest.mark.parametrize("role", ["volunteer", "coordinator"])
def test_staff_and_volunteers_cannot_ask_here(client, login_as, role):
    login_as(role)
    assert client.get("/request").status_code == 403


def test_a_participant_with_a_request_in_progress_goes_to_their_page(client, login_as, program):
    user = login_as("participant")
    program.intake(user)
    response = client.get("/request/about")
    assert response.headers["Location"] == "/my"


def test_a_participant_whose_request_ended_asks_again_without_a_new_account(
        app, client, login_as, program, wizard):
    user = login_as("participant")
    program.intake(user, state=IntakeState.CLOSED)
    wizard.fill()
    consent = client.get("/request/consent").get_data(as_text=True)
    assert 'name="password"' not in consent
    assert 'name="email"' not in client.get("/request/contact").get_data(as_text=True)
    response = wizard.submit(password="", password_again="")
    assert response.headers["Location"] == "/request/sent"
    with app.app_context():
        owners = db.session.execute(sa.select(Intake.participant_id)).scalars().all()
        assert owners == [user.id, user.id]
        assert count("user_account") == 1
