"""The admin's texts shown to participants (the crisis lines, the contact line) may each have a
French version: French pages show it, and the English where none is given."""

from __future__ import annotations

import re

import pytest

from portal.db import db
from portal.services import language, settings
from tests.admin.test_settings_and_audit import form_data


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def landing(app, lang: str) -> str:
    """The front door as a visitor reading ``lang`` sees it."""
    visitor = app.test_client()
    visitor.set_cookie("lang", lang)
    return visitor.get("/").get_data(as_text=True)


def test_an_admin_gives_french_versions_and_french_pages_show_them(app, client, admin):
    response = client.post("/admin/settings", data=form_data(
        client, program_contact="Call the office", program_contact_fr="Appelez le bureau",
        **{"crisis_resources-0-name_fr": "Urgences", "crisis_resources-0-hours_fr": "Jour et nuit"}))
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    french, english = landing(app, "fr"), landing(app, "en")
    assert "Appelez le bureau" in french and "Call the office" not in french
    assert re.search(r"Urgences</span>\s*<a[^>]*>911</a>\s*<span class=\"hint\">Jour et nuit", french)
    assert "Call the office" in english and "Urgences" not in english and "Emergency" in english


def test_without_a_french_version_french_pages_show_the_english(app, client, admin):
    client.post("/admin/settings", data=form_data(client, program_contact="Call the office",
                                                  program_contact_fr=""))
    french = landing(app, "fr")
    assert "Call the office" in french and "Emergency" in french and "24/7" in french


def test_a_french_name_without_the_english_one_is_refused_not_dropped(app, client, admin):
    response = client.post("/admin/settings", data=form_data(
        client, **{"crisis_resources-1-name_fr": "Ligne de nuit"}))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give the English name and phone number too" in body
    assert 'value="Ligne de nuit"' in body
    with app.app_context():
        assert all(line.get("name_fr") != "Ligne de nuit"
                   for line in settings.get(db.session, "crisis_resources"))


def test_the_default_crisis_lines_and_contact_line_are_french_on_french_pages(app):
    french = landing(app, "fr")
    assert "Services d'urgence" in french.replace("&#39;", "'") and "Emergency services" not in french
    assert "Appelez le bureau du programme" in french


@pytest.mark.parametrize(("english", "french", "current", "shown"), [
    ("Call us", "Appelez-nous", "fr", "Appelez-nous"),
    ("Call us", "Appelez-nous", "en", "Call us"),
    ("Call us", "", "fr", "Call us"),
    ("Call us", "  ", "fr", "Call us"),
    ("Call us", None, "fr", "Call us"),
])
def test_an_admins_text_is_shown_in_french_only_where_one_is_given(english, french, current,
                                                                  shown):
    assert language.shown(english, french, current) == shown
