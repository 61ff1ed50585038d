"""A participant sees who has looked at their request, and why, and takes what is theirs."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import AuditEvent, User
from portal.services import settings


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def participant(make_user):
    return make_user("participant", email="morgan@example.org")


@pytest.fixture
def request_of(program, participant):
    return program.intake(participant, note="Canary note")


@pytest.fixture
def coordinator_reveals(app, make_user):
    """coordinator_reveals(intake, group, reason) → done as a coordinator, through the service."""
    from portal.services import triage

    staff = make_user("coordinator")

    def reveal(intake, group="note", reason="arrange_contact", name=None):
        with app.app_context():
            actor = db.session.get(User, staff.id)
            actor.display_name = name
            record = db.session.get(type(intake), intake.id)
            triage.open_record(db.session, record, actor=actor)
            triage.reveal(db.session, record, group, actor=actor, reason=reason)
            db.session.commit()

    return reveal


def looks_section(client) -> str:
    page = client.get("/my").get_data(as_text=True)
    return text_of(page[page.index("Who has looked at your request"):page.index("Other help")])


def test_the_participant_sees_when_the_coordinator_opened_and_revealed_and_why(
        client, auth, participant, request_of, coordinator_reveals):
    coordinator_reveals(request_of, "note", "safety")
    auth.login(participant.email)
    looks = looks_section(client)
    assert "The program coordinator opened your request" in looks
    assert "The program coordinator saw your note (A concern for their safety)" in looks
    assert "Canary note" not in looks


def test_a_volunteer_asked_is_shown_by_what_they_read_never_by_name(
        app, client, auth, participant, request_of, program):
    from portal.services import offers

    profile = program.volunteer(name="Avery Stone")
    with app.app_context():
        match = program.match(request_of, profile)
        offers.offer_view(db.session, match, viewer=db.session.get(User, profile.user_id))
        db.session.commit()
    auth.login(participant.email)
    looks = looks_section(client)
    assert "A volunteer who was asked to support you read the summary of your request" in looks
    assert "Avery" not in looks


def test_staff_names_are_shown_only_when_the_program_chooses(
        app, client, auth, participant, request_of, coordinator_reveals):
    coordinator_reveals(request_of, name="Dana Coordinator")
    auth.login(participant.email)
    assert "Dana" not in looks_section(client)
    with app.app_context():
        settings.put(db.session, "show_staff_names", True)
        db.session.commit()
    assert "The program coordinator (Dana Coordinator) opened your request" in looks_section(client)


def test_my_data_page_shows_my_answers_and_is_audited(app, client, auth, participant, request_of):
    auth.login(participant.email)
    page = text_of(client.get("/my/data").get_data(as_text=True))
    for shown in ("morgan@example.org", "Sam", "Canary note", "Grief and loss", "Calgary",
                  "403-555-0123"):
        assert shown in page
    with app.app_context():
        events = db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.action == "export")).scalars().all()
    assert [(e.subject_id, e.detail, e.reason) for e in events] == \
        [(str(request_of.id), "data", "page")]


def test_the_data_file_is_machine_readable_and_a_download(client, auth, participant, request_of):
    auth.login(participant.email)
    response = client.get("/my/data/json")
    assert response.headers["Content-Disposition"] == "attachment; filename=my-data.json"
    assert "no-store" in response.headers["Cache-Control"]
    data = json.loads(response.get_data(as_text=True))
    [request] = data["requests"]
    assert data["account"]["email"] == "morgan@example.org"
    assert request["answers"]["note"] == "Canary note"
    assert request["answers"]["region"] == {"code": "calgary", "words": "Calgary"}


def test_the_readable_copy_is_a_whole_page_to_keep(client, auth, participant, request_of):
    auth.login(participant.email)
    response = client.get("/my/data/html")
    body = response.get_data(as_text=True)
    assert response.headers["Content-Disposition"] == "attachment; filename=my-data.html"
    assert body.startswith("<!doctype html>") and "Canary note" in body and "<script" not in body


def test_my_own_download_shows_among_the_looks(client, auth, participant, request_of):
    auth.login(participant.email)
    client.get("/my/data/json")
    assert "You downloaded your data" in looks_section(client)


def test_a_volunteer_who_was_asked_stays_unnamed_in_my_data(
        app, client, auth, participant, request_of, program):
    from portal.models import MatchState

    program.match(request_of, program.volunteer(name="Avery Stone"), state=MatchState.DECLINED)
    auth.login(participant.email)
    body = client.get("/my/data/json").get_data(as_text=True)
    assert "Avery" not in body and "was not able to" in body


def test_nobody_else_can_download_my_data(client, auth, make_user, request_of):
    auth.login(make_user("volunteer").email)
    assert client.get("/my/data/json").status_code == 403


def test_the_download_needs_a_signed_in_participant(client, request_of):
    response = client.get("/my/data/json")
    assert response.status_code == 303 and "/sign-in" in response.headers["Location"]
