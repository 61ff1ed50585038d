"""Work a page does once per request, however many strings, rows and times it shows."""

from __future__ import annotations

import flask_babel
import pytest
from markupsafe import Markup

from tests.conftest import csrf_token


def count_calls(monkeypatch, owner, name: str) -> list:
    """Record each call of ``owner.name`` (the real one still runs)."""
    calls, real = [], getattr(owner, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_a_page_looks_up_its_translations_once_for_all_its_strings(client, monkeypatch):
    lookups = count_calls(monkeypatch, flask_babel.Domain, "get_translations")
    page = client.get("/")
    assert page.status_code == 200
    assert "peer" in page.get_data(as_text=True)
    assert len(lookups) == 1


def test_vocabulary_labels_translate_through_the_same_lookup(client, monkeypatch, hx):
    token = csrf_token(client)
    lookups = count_calls(monkeypatch, flask_babel.Domain, "get_translations")
    step = client.post("/request", data={"danger": "no", "csrf_token": token}, headers=hx)
    assert step.status_code == 200
    assert "Articling student" in step.get_data(as_text=True)  # a vocabulary label
    assert len(lookups) == 1


ATTRIBUTES = [
    {"name": "alias", "id": "alias", "class_": "input", "value": 'Sam "the" <b>&'},
    {"checked": True, "disabled": False, "aria_invalid": "true", "data_hx_get": "/a?b=1&c=2"},
    {"value": Markup('already "safe" <i>'), "for_": "x", "class__": "y"},
    {"value": 3, "aria_describedby": "f-hint f-error", "type": "radio"},
    {"weird key": "v", "title": "it's"},
]


@pytest.mark.parametrize("attributes", ATTRIBUTES, ids=range(len(ATTRIBUTES)))
def test_form_attributes_render_exactly_as_wtforms_writes_them(attributes):
    from portal import forms

    assert forms.html_params(**attributes) == forms.WTFORMS_HTML_PARAMS(**attributes)
    assert isinstance(forms.html_params(**attributes), Markup)


def test_every_widget_writes_its_attributes_through_the_fast_writer():
    import wtforms.widgets
    from wtforms.widgets import core

    from portal import forms

    assert core.html_params is forms.html_params
    assert wtforms.widgets.html_params is forms.html_params
    for widget in (core.TextInput, core.RadioInput, core.CheckboxInput, core.Button):
        assert widget.html_params is forms.html_params, widget


def test_a_form_reads_no_message_catalogue_from_disk(app, client, auth, make_volunteer,
                                                     monkeypatch, hx):
    from babel import support

    from portal.db import db
    from portal.models import User

    profile = make_volunteer()
    with app.app_context():
        assert auth.login(db.session.get(User, profile.user_id).email).status_code in (302, 303)
    token = csrf_token(client)
    loads = count_calls(monkeypatch, support.Translations, "load")
    cell = client.post("/volunteer/availability/cells/3", data={"on": "1", "csrf_token": token},
                       headers=hx)
    assert cell.status_code == 200
    assert loads == []


def test_a_locale_changed_during_a_request_translates_from_its_own_catalogue(app):
    from flask_babel import force_locale

    from portal.i18n import translations

    with app.test_request_context("/"):
        english = translations()
        with force_locale("fr"):
            assert translations() is not english
        assert translations() is english


def test_declared_choices_are_converted_once_per_form_class_and_follow_the_language(app):
    """A step's options are made SelectChoice when its class is defined, not at every form;
    their labels still translate in each request's own language."""
    from portal.intake_steps import AboutForm

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        first, second = AboutForm(formdata=None), AboutForm(formdata=None)
        assert [id(c) for c in first.member_type.choices] == \
            [id(c) for c in second.member_type.choices]
        assert first.member_type.choices is not second.member_type.choices  # each its own list
        english = [str(c.label) for c in first.member_type.choices]
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        french = [str(c.label) for c in AboutForm(formdata=None).member_type.choices]
    assert english != french and len(english) == len(french)
