"""The three journeys' main pages in French: no text from the catalogue is left in English.

A string shown untranslated (a label turned into text at import time, a template outside the
extraction, a message never compiled) appears as its English msgid; any such text fails here.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.db import db
from portal.models import User
from tests.participant.conftest import STEPS, Wizard

PO = Path(__file__).resolve().parents[2] / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
SHOWN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")


def untranslated_english() -> set[str]:
    """Each catalogue string whose French differs from it: seen as is, it was not translated."""
    with PO.open("rb") as handle:
        catalogue = read_po(handle)
    return {message.id for message in catalogue if isinstance(message.id, str) and message.id
            and "%(" not in message.id and message.string != message.id}


class VisibleText(HTMLParser):
    """Text nodes outside script and style, and the attributes people hear or see.

    An element marked with another language (the switch's "English") is English on purpose.
    """

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._hidden: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style") or attrs.get("lang", "fr") != "fr":
            self._hidden.append(tag)
        if not self._hidden:
            self.texts += [attrs[name] for name in SHOWN_ATTRIBUTES if attrs.get(name)]

    def handle_endtag(self, tag):
        if self._hidden and self._hidden[-1] == tag:
            self._hidden.pop()

    def handle_data(self, data):
        if not self._hidden:
            self.texts.append(data)


def english_left(body: str, english: set[str]) -> list[str]:
    parser = VisibleText()
    parser.feed(body)
    return sorted({" ".join(text.split()) for text in parser.texts} & english)


def sign_in(app, auth, user_id) -> None:
    with app.app_context():
        email = db.session.get(User, user_id).email
    assert auth.login(email).status_code in (302, 303)


@pytest.fixture
def french(client):
    client.set_cookie("lang", "fr")
    return client


@pytest.fixture
def check(french):
    english = untranslated_english()

    def visit(*paths: str) -> None:
        problems = {}
        for path in paths:
            response = french.get(path)
            body = response.get_data(as_text=True)
            assert response.status_code == 200, (path, response.status_code)
            assert '<html lang="fr">' in body, path
            if left := english_left(body, english):
                problems[path] = left
        assert not problems, f"English left on French pages: {problems}"

    return visit


def test_the_participant_journey_is_all_in_french(app, french, check, auth, make_intake):
    check("/", "/privacy", "/sign-in", "/sign-in/forgot", "/request")
    wizard = Wizard(french)
    wizard.safety("no")
    for step in STEPS:
        check(f"/request/{step}")
        wizard.step(step)
    check("/request/consent")
    intake = make_intake()
    sign_in(app, auth, intake.participant_id)
    check("/my", "/my/pause", "/my/withdraw", "/my/delete", "/my/data", "/account")


def test_the_volunteer_journey_is_all_in_french(app, check, auth, make_volunteer):
    sign_in(app, auth, make_volunteer().user_id)
    check("/volunteer/", "/volunteer/profile", "/volunteer/availability", "/volunteer/care",
          "/volunteer/offers", "/volunteer/relationships", "/volunteer/referrals", "/account")


def test_the_coordinator_journey_is_all_in_french(check, login_as, make_intake, make_volunteer):
    make_volunteer()
    intake = make_intake()
    login_as("admin")
    check("/coordinator/", "/coordinator/volunteers", f"/coordinator/intakes/{intake.id}",
          "/coordinator/intakes/new", "/coordinator/volunteers/invite", "/coordinator/plan/",
          "/coordinator/reports/", "/coordinator/resources/", "/admin/staff", "/admin/settings",
          "/admin/audit")
