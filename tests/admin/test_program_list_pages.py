"""The admin's page of each program list: full page and htmx fragment, every change answers the
list again, bad words stay beside the field as typed, and only admins may open it."""

from __future__ import annotations

import pytest

from portal.db import db
from portal.services import program_lists
from tests.conftest import HX, csrf_token

ENDPOINTS = {
    "admin.program_list": ("GET", "/admin/lists/regions"),
    "admin.add_list_entry": ("POST", "/admin/lists/regions"),
    "admin.rename_list_entry": ("POST", "/admin/lists/regions/rename"),
    "admin.retire_list_entry": ("POST", "/admin/lists/regions/calgary/retire"),
    "admin.restore_list_entry": ("POST", "/admin/lists/regions/calgary/restore"),
    "admin.move_list_entry": ("POST", "/admin/lists/regions/calgary/later"),
}


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def post(client, url, data=None, htmx=False):
    if htmx:
        return client.post(url, data=data or {}, headers={**HX, "X-CSRFToken": csrf_token(client)})
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)})


def test_every_list_route_is_listed_here_and_for_admins_only(app):
    ours = {rule.endpoint for rule in app.url_map.iter_rules()
            if app.view_functions[rule.endpoint].__module__ == "portal.admin.list_views"}
    assert ours == set(ENDPOINTS)
    assert {app.view_functions[e].access for e in ENDPOINTS} == {("admin",)}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_stranger_is_sent_to_sign_in(client, endpoint):
    method, url = ENDPOINTS[endpoint]
    plain = client.open(url, method=method, data={"csrf_token": csrf_token(client)})
    assert plain.status_code in (302, 303) and "/sign-in" in plain.headers["Location"]


@pytest.mark.parametrize("role", ["participant", "volunteer", "coordinator"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anyone_but_an_admin_is_refused(app, client, login_as, role, endpoint):
    login_as(role)
    method, url = ENDPOINTS[endpoint]
    assert client.open(url, method=method, data={"csrf_token": csrf_token(client)}).status_code == 403
    with app.app_context():
        assert program_lists.codes(db.session, "regions", retired=False)[0] == "calgary"


def test_the_page_and_its_fragment_show_the_list(client, admin):
    page = client.get("/admin/lists/regions").get_data(as_text=True)
    assert "<h1>The program's lists</h1>" in page and "Medicine Hat" in page
    fragment = client.get("/admin/lists/practice_areas", headers=HX)
    assert "HX-Request" in fragment.headers["Vary"]
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="program-list">') and "Civil litigation" in text
    assert client.get("/admin/lists/nothing").status_code == 404


def test_an_admin_adds_an_entry_that_forms_offer_at_once(app, client, admin):
    response = post(client, "/admin/lists/regions", {"label": "Canmore", "label_fr": ""})
    assert response.status_code == 303
    assert "Canmore" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert dict(program_lists.choices(db.session, "regions"))["canmore"] == "Canmore"


def test_over_htmx_each_change_answers_the_list_again(app, client, admin):
    added = post(client, "/admin/lists/regions", {"label": "Banff"}, htmx=True)
    assert added.status_code == 200 and "“Banff” is added" in added.get_data(as_text=True)
    retired = post(client, "/admin/lists/regions/banff/retire", htmx=True).get_data(as_text=True)
    assert "retired: no longer offered on forms" in retired and "Offer it again" in retired
    renamed = post(client, "/admin/lists/regions/rename",
                   {"code": "banff", "label": "Banff and Bow Valley", "label_fr": "Banff"}, htmx=True)
    assert "Banff and Bow Valley" in renamed.get_data(as_text=True)
    post(client, "/admin/lists/regions/banff/restore", htmx=True)
    post(client, "/admin/lists/regions/banff/earlier", htmx=True)
    with app.app_context():
        entries = program_lists.entries(db.session, "regions")
        assert [e.code for e in entries[-2:]] == ["banff", "rural_south"]
        assert not entries[-2].retired and entries[-2].label == "Banff and Bow Valley"


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(("typed", "message"), [
    ("", "Please enter the words"),
    ("x" * 81, "80 characters or fewer"),
    ("Calgary", "already on the list"),
    ("Can\x00more", "invisible character"),
])  # fmt: skip
def test_bad_words_stay_beside_the_field_as_typed(app, client, admin, htmx, typed, message):
    response = post(client, "/admin/lists/regions", {"label": typed, "label_fr": "Gardé"},
                    htmx=htmx)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text and 'value="Gardé"' in text
    if typed and "\x00" not in typed:
        assert f'value="{typed}"' in text
    with app.app_context():
        assert len(program_lists.entries(db.session, "regions")) == 9


def test_a_bad_rename_keeps_the_entry_chosen_and_the_words_typed(app, client, admin):
    response = post(client, "/admin/lists/regions/rename",
                    {"code": "lethbridge", "label": "Edmonton", "label_fr": "Gardé"}, htmx=True)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    form = text[text.index('action="/admin/lists/regions/rename"'):]
    assert "“Edmonton” is already on the list" in form
    assert 'value="Edmonton"' in form and 'value="Gardé"' in form
    assert '<option selected value="lethbridge">Lethbridge</option>' in form
    with app.app_context():
        assert program_lists.label(db.session, "regions", "lethbridge") == "Lethbridge"


def test_an_unknown_entry_is_not_found_or_refused_beside_the_field(client, admin):
    assert post(client, "/admin/lists/regions/atlantis/retire").status_code == 404
    assert post(client, "/admin/lists/regions/atlantis/later").status_code == 404
    assert post(client, "/admin/lists/elsewhere", {"label": "X"}).status_code == 404
    refused = post(client, "/admin/lists/regions/rename", {"code": "atlantis", "label": "X"})
    assert refused.status_code == 422
    assert "Please choose one of the options shown" in refused.get_data(as_text=True)
    unchosen = post(client, "/admin/lists/regions/rename", {"code": "", "label": "X"})
    assert "Please choose the entry to change" in unchosen.get_data(as_text=True)
