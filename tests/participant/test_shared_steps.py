"""A step seen for the first time is the same form for everyone, but each visitor's own token."""

from __future__ import annotations

import re

from portal.db import db
from portal.services import program_lists
from tests.conftest import HX
from tests.participant.conftest import STEP_DATA, Wizard


def token_in(fragment) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', fragment.get_data(as_text=True)).group(1)


def first_step(app):
    """A new visitor answers the safety question over htmx; their client and the next fragment."""
    client = app.test_client()
    fragment = Wizard(client, htmx=True).safety("no")
    assert fragment.status_code == 200 and fragment.headers["HX-Push-Url"] == "/request/about"
    return client, fragment


def test_a_second_visitor_gets_the_first_step_without_rendering_it_again(app, rendered_templates):
    first_step(app)
    rendered = rendered_templates.count("participant/_wizard.html")
    first_step(app)
    assert rendered_templates.count("participant/_wizard.html") == rendered


def test_each_visitor_gets_their_own_token_and_it_works_for_them(app):
    one, one_fragment = first_step(app)
    other, other_fragment = first_step(app)
    assert token_in(one_fragment) != token_in(other_fragment)
    for client, fragment in ((one, one_fragment), (other, other_fragment)):
        step = client.post("/request/about", data=STEP_DATA["about"],
                           headers={**HX, "X-CSRFToken": token_in(fragment)})
        assert step.status_code == 200 and step.headers["HX-Push-Url"] == "/request/support"


def test_another_visitors_token_does_not_work(app):
    _one, one_fragment = first_step(app)
    other, _other_fragment = first_step(app)
    step = other.post("/request/about", data=STEP_DATA["about"],
                      headers={**HX, "X-CSRFToken": token_in(one_fragment)})
    assert step.status_code == 400


def test_a_step_typed_in_shows_what_was_typed(app):
    client, _fragment = first_step(app)
    wizard = Wizard(client, htmx=True)
    wizard.step("about", alias="Robin of the hills")
    back = wizard.post("/request/support", {"nav": "back"})
    assert 'value="Robin of the hills"' in back.get_data(as_text=True)
    assert "Robin of the hills" not in first_step(app)[1].get_data(as_text=True)


def test_a_region_added_to_the_list_is_offered_at_once(app):
    first_step(app)
    with app.app_context():
        program_lists.add_entry(db.session, "regions", "Peace Country North")
        db.session.commit()
    assert "Peace Country North" in first_step(app)[1].get_data(as_text=True)


def test_a_region_renamed_shows_its_new_name_at_once(app):
    first_step(app)
    with app.app_context():
        code = program_lists.entries(db.session, "regions")[0].code
        program_lists.rename_entry(db.session, "regions", code, "Foothills and beyond")
        db.session.commit()
    assert "Foothills and beyond" in first_step(app)[1].get_data(as_text=True)


def test_a_kept_step_is_found_without_building_its_form_again(app, monkeypatch):
    """The second visitor's blank step comes from the kept page; its form is not built."""
    from portal.participant import wizard

    first_step(app)
    built, real = [], wizard._form
    monkeypatch.setattr(wizard, "_form", lambda *args: built.append(args) or real(*args))
    client, fragment = first_step(app)
    assert built == [] and 'name="csrf_token"' in fragment.get_data(as_text=True)
