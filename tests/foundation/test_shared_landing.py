"""The landing page is rendered once for everyone who would see the same page, and only then."""

from __future__ import annotations

from portal.db import db
from portal.services import settings
from tests.participant.conftest import Wizard

FRENCH = {"Accept-Language": "fr-CA,fr;q=0.9"}
NIGHT_LINE = [{"name": "Night line of the valley", "phone": "555-0142", "hours": "Evenings"}]


def test_a_second_visitor_without_a_session_gets_the_page_without_rendering_it(app, rendered_templates):
    first = app.test_client().get("/")
    second = app.test_client().get("/")
    assert second.status_code == 200 and second.get_data() == first.get_data()
    assert rendered_templates.count("public/index.html") == 1


def test_the_copy_still_carries_the_security_headers_and_no_cookie(app):
    app.test_client().get("/")
    again = app.test_client().get("/")
    assert "default-src 'self'" in again.headers["Content-Security-Policy"]
    assert again.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in again.headers


def test_changed_crisis_lines_show_on_the_very_next_view(app, client):
    assert "Night line of the valley" not in client.get("/").get_data(as_text=True)
    with app.app_context():
        settings.put(db.session, "crisis_resources", NIGHT_LINE, audited=False)
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Night line of the valley" in page and "555-0142" in page
    assert "Suicide Crisis Helpline" not in page


def test_each_language_gets_its_own_page(app):
    french = app.test_client().get("/", headers=FRENCH).get_data(as_text=True)
    english = app.test_client().get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="fr"' in french and 'lang="en"' in english
    assert app.test_client().get("/", headers=FRENCH).get_data(as_text=True) == french


def test_a_visitor_with_a_session_sees_their_own_message_and_nobody_else_does(app, client):
    app.test_client().get("/")  # the shared copy exists
    wizard = Wizard(client)
    wizard.safety("no")
    cleared = wizard.post("/request/discard", {})
    assert cleared.headers["Location"] == "/"
    assert "What you typed has been cleared." in client.get("/").get_data(as_text=True)
    assert "What you typed has been cleared." not in app.test_client().get("/").get_data(as_text=True)


def test_a_signed_in_visitor_gets_their_own_page_and_the_next_visitor_the_public_one(
        app, client, login_as):
    app.test_client().get("/")
    login_as("participant")
    assert "Go to your page" in client.get("/").get_data(as_text=True)
    public = app.test_client().get("/").get_data(as_text=True)
    assert "Go to your page" not in public and "Sign out" not in public


def test_a_query_string_is_rendered_for_that_request_only(app, rendered_templates):
    page = app.test_client().get("/?from=poster").get_data(as_text=True)
    assert 'name="next" value="/?from=poster"' in page
    app.test_client().get("/?from=poster")
    assert rendered_templates.count("public/index.html") == 2
    assert "from=poster" not in app.test_client().get("/").get_data(as_text=True)
