"""Bad input on French pages: every refusal shown is French, WTForms' own messages included
("This field is required.", lengths, numbers, choices), not only the portal's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import wtforms
from babel.messages.pofile import read_po

from tests.conftest import csrf_token
from tests.foundation.test_error_summaries import send
from tests.foundation.test_french_pages import VisibleText

WTFORMS_POT = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"
LONG = "x" * 300


def wtforms_english() -> list[re.Pattern]:
    """Each of WTForms' own messages in English, its placeholders matching any value."""
    with WTFORMS_POT.open("rb") as handle:
        catalogue = read_po(handle)
    patterns = []
    for message in catalogue:
        for text in (message.id if isinstance(message.id, tuple) else (message.id,)):
            if text:
                pattern = re.sub(r"%(\([a-z_]+\))?[ds]", "\x00", text)
                patterns.append(re.compile(".+?".join(map(re.escape, pattern.split("\x00")))))
    return patterns


def refusals_in_english(body: str) -> list[str]:
    parser = VisibleText()
    parser.feed(body)
    shown = {" ".join(text.split()) for text in parser.texts}
    return sorted(text for text in shown for pattern in wtforms_english()
                  if pattern.fullmatch(text))


@pytest.fixture
def french(client):
    client.set_cookie("lang", "fr")
    return client


@pytest.mark.parametrize(("role", "page", "action", "typed"), [
    (None, "/sign-in", "/sign-in", {"email": LONG + "@example.org", "password": LONG}),
    ("admin", "/admin/settings", "/admin/settings",
     {"program_name": "", "program_contact": LONG, "offer_expiry_hours": "soon",
      "crisis_resources-0-name": LONG, "crisis_resources-0-phone": LONG}),
    ("coordinator", "/coordinator/resources/new", "/coordinator/resources/new",
     {"name": LONG, "category": "", "region": LONG, "description": LONG * 2}),
], ids=["sign-in", "settings", "a referral resource"])
def test_french_pages_refuse_bad_input_in_french(french, login_as, role, page, action, typed):
    if role:
        login_as(role)
    body = send(french, page, action, typed)
    assert '<html lang="fr">' in body
    assert len(re.findall(r'<p class="error"', body)) >= 3  # refused, beside several fields
    assert refusals_in_english(body) == []


def test_wtforms_own_messages_stay_english_on_english_pages(client):
    body = client.post("/sign-in", data={"email": LONG + "@example.org", "password": "x",
                                         "csrf_token": csrf_token(client)}).get_data(as_text=True)
    assert "Field cannot be longer than 254 characters." in body
