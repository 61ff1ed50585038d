"""Fixtures for the participant's side: a wizard driver and people in a program."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import (
    Intake,
    IntakeState,
    Match,
    MatchState,
    OnboardingState,
    User,
    VolunteerProfile,
    utcnow,
)
from tests.conftest import PASSWORD, csrf_token


def wizard_region(fragment: str) -> str:
    """The ``#wizard`` region of a step's fragment, after the window title it carries first."""
    title = re.match(r"\s*<title>[^<]+</title>\s*", fragment)
    assert title, "a step's fragment starts with its window title"
    return fragment[title.end():]

STEP_DATA = {
    "about": {"alias": "Sam", "member_type": "lawyer", "career_band": "6_10",
              "practice_area": "family", "region": "calgary", "languages": ["en", "fr"],
              "gender": "prefer_not"},
    "support": {"concerns": ["stress_burnout", "grief_loss"], "primary_concern": "grief_loss",
                "note": "A private note about a hard year"},
    "preferences": {"gender_pref": "none", "practice_pref": "different",
                    "career_pref_similar": "y", "region_pref": "outside", "language_pref": "none"},
    "availability": {"cells": ["mon_evening", "wed_evening", "sat_morning"]},
    "contact": {"email": "sam@example.org", "phone": "403-555-0123", "voicemail_ok": "y",
                "contact_times": "Weekday evenings after seven"},
    "conflicts": {"firms": "Northgate Legal LLP\nBow River Law", "people": "Jordan Quillfeather"},
}
CONSENT = {"principles": "y", "storage": "y", "password": PASSWORD, "password_again": PASSWORD}
STEPS = list(STEP_DATA)


class Wizard:
    """Walks the request steps like a browser would, as plain posts or as htmx posts."""

    def __init__(self, client, htmx: bool = False):
        self.client = client
        self.htmx = htmx

    def post(self, url: str, data: dict, **kwargs):
        data = dict(data)
        headers = kwargs.pop("headers", {})
        if self.htmx:
            headers.update({"HX-Request": "true", "X-CSRFToken": csrf_token(self.client)})
        else:
            data["csrf_token"] = csrf_token(self.client)
        return self.client.post(url, data=data, headers=headers, **kwargs)

    def safety(self, answer: str = "no"):
        return self.post("/request", {"danger": answer})

    def step(self, name: str, **changes):
        data = {**STEP_DATA[name], **changes}
        return self.post(f"/request/{name}", {k: v for k, v in data.items() if v is not None})

    def fill(self, upto: str | None = None, danger: str = "no", **changes):
        """Answer the safety question and every step (up to and including ``upto``)."""
        self.safety(danger)
        for name in STEPS:
            response = self.step(name, **changes.get(name, {}))
            assert response.status_code in (200, 303), (name, response.get_data(as_text=True))
            if name == upto:
                return response
        return None

    def hidden(self) -> dict[str, str]:
        """The hidden fields of the consent page: the submission token and the version shown."""
        page = self.client.get("/request/consent").get_data(as_text=True)
        return dict(re.findall(r'id="(submission_token|consent_version)" name="\1" '
                               r'type="hidden" value="([^"]*)"', page))

    def token(self) -> str:
        return self.hidden()["submission_token"]

    def submit(self, token: str | None = None, **changes):
        fields = self.hidden()
        fields.setdefault("consent_version", "2026-11")
        if token is not None:
            fields["submission_token"] = token
        return self.post("/request/submit", {**CONSENT, **fields, **changes})

    def complete(self, danger: str = "no", **changes):
        self.fill(danger=danger, **changes)
        return self.submit()


def confirm_link(mail) -> str:
    """The path of the address check's link in the latest email."""
    found = re.search(r"https://portal\.test(/confirm/\S+)", mail[-1].get_content())
    assert found, mail[-1].get_content()
    return found.group(1)


@pytest.fixture
def confirm_address(client, mail, run_jobs):
    """confirm_address() → the page after pressing the button behind the emailed link."""

    def confirm():
        run_jobs()
        path = confirm_link(mail)
        assert client.get(path).status_code == 200
        return client.post(path, data={"csrf_token": csrf_token(client)})

    return confirm


@pytest.fixture
def ask_and_sign_in(wizard, confirm_address, auth):
    """Ask as a new person, confirm the address from the email, and sign in: their page next."""

    def ask(danger: str = "no", **changes):
        response = wizard.complete(danger=danger, **changes)
        assert response.headers["Location"] == "/request/sent"
        assert confirm_address().status_code == 200
        email = changes.get("contact", {}).get("email", STEP_DATA["contact"]["email"])
        assert auth.login(email).status_code == 303
        return response

    return ask


@pytest.fixture
def wizard(client):
    return Wizard(client)


@pytest.fixture
def hx_wizard(client):
    return Wizard(client, htmx=True)


def count(table: str) -> int:
    with db.engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


@pytest.fixture
def program(app, make_user):
    """Build people and requests in known states, committed, for the participant's page."""

    class Program:
        def staff(self):
            return make_user("coordinator")

        def volunteer(self, name: str = "Avery Stone") -> VolunteerProfile:
            user = make_user("volunteer")
            with app.app_context():
                profile = VolunteerProfile(user_id=user.id, state=OnboardingState.ACTIVE,
                                           display_name=name, capacity=2, experience=["grief_loss"],
                                           availability_mask=0b1111, languages=["en"])
                db.session.add(profile)
                db.session.commit()
                return profile

        def intake(self, participant: User, state=IntakeState.WAITING, **fields) -> Intake:
            with app.app_context():
                intake = Intake(participant_id=participant.id, state=state, alias="Sam",
                                member_type="lawyer", career_band="6_10", region="calgary",
                                languages=["en"], concerns=["grief_loss"],
                                primary_concern="grief_loss", availability_mask=0b11,
                                phone="403-555-0123", contact_times="Evenings", **fields)
                db.session.add(intake)
                db.session.commit()
                return intake

        def match(self, intake: Intake, profile: VolunteerProfile,
                  state=MatchState.ACTIVE) -> Match:
            with app.app_context():
                now = utcnow()
                match = Match(intake_id=intake.id, volunteer_id=profile.id, state=state,
                              offered_at=now, expires_at=now + timedelta(hours=72),
                              activated_at=now if state is MatchState.ACTIVE else None)
                db.session.add(match)
                db.session.commit()
                return match

    return Program()


@pytest.fixture
def statements(app):
    """The SQL statements sent while the test runs (their text), as a list that fills."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", note)
