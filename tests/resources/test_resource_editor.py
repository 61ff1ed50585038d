"""The coordinator edits the referral directory; others read it."""

import re

import sqlalchemy as sa

from portal.db import db
from portal.models import ReferralResource
from tests.conftest import csrf_token


def resource_form(client, **changes):
    data = {"csrf_token": csrf_token(client), "name": "Night counselling line",
            "category": "counselling", "phone": "1-800-555-0101", "url": "", "region": "",
            "hours": "", "description": ""}
    data.update(changes)
    return data


def resources(app):
    with app.app_context():
        return db.session.execute(sa.select(ReferralResource)).scalars().all()


def test_a_coordinator_adds_a_resource(app, client, login_as):
    login_as("coordinator")
    response = client.post("/coordinator/resources/new", data=resource_form(client, always_open="y"))
    assert response.status_code == 303
    [resource] = resources(app)
    assert resource.name == "Night counselling line" and resource.always_open


def test_a_resource_needs_a_way_to_reach_it(app, client, login_as):
    login_as("coordinator")
    response = client.post("/coordinator/resources/new", data=resource_form(client, phone=""))
    assert response.status_code == 422
    assert "phone number or a web address" in response.get_data(as_text=True)
    assert 'value="Night counselling line"' in response.get_data(as_text=True)
    assert resources(app) == []


def test_bad_phone_url_and_category_are_explained(client, login_as):
    login_as("coordinator")
    page = client.post("/coordinator/resources/new", data=resource_form(
        client, phone="call me maybe", url="javascript:alert(1)", category="spa")).get_data(as_text=True)
    assert "digits, spaces" in page and "starting with https://" in page and "categories shown" in page


def test_a_failed_form_opens_with_a_summary_linking_to_each_field(client, login_as):
    login_as("coordinator")
    page = client.post("/coordinator/resources/new", data=resource_form(
        client, phone="call me maybe", url="javascript:alert(1)")).get_data(as_text=True)
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', page, re.S).group(0)
    assert re.findall(r'href="#(\w+)"', summary) == ["phone", "url"]


def test_a_nul_character_is_refused_beside_its_field(app, client, login_as):
    """Found by the hostile-input walk: PostgreSQL refuses NUL in text, so this was a 500."""
    login_as("coordinator")
    for field in ("name", "region", "hours", "description", "url"):
        value = "https://example.org/\x00" if field == "url" else "Night\x00line"
        response = client.post("/coordinator/resources/new",
                               data=resource_form(client, **{field: value}))
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and f'id="{field}-error"' in page, field
    assert resources(app) == []


def test_markup_in_a_name_is_shown_as_text(app, client, login_as):
    login_as("coordinator")
    client.post("/coordinator/resources/new", data=resource_form(client, name="<script>x</script>"))
    page = client.get("/coordinator/resources/").get_data(as_text=True)
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page


def test_a_retired_resource_leaves_the_directory_others_read(app, client, login_as):
    from portal.services.relationships import referral_directory

    login_as("coordinator")
    client.post("/coordinator/resources/new", data=resource_form(client))
    [resource] = resources(app)
    client.post(f"/coordinator/resources/{resource.id}/active",
                data={"csrf_token": csrf_token(client), "active": "0"})
    with app.app_context():
        assert referral_directory(db.session) == []


def test_editing_keeps_the_resource_and_audits_it(app, client, login_as):
    from portal.models import AuditEvent

    login_as("coordinator")
    client.post("/coordinator/resources/new", data=resource_form(client))
    [resource] = resources(app)
    client.post(f"/coordinator/resources/{resource.id}", data=resource_form(client, name="Renamed line"))
    assert [r.name for r in resources(app)] == ["Renamed line"]
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(subject_type="referral_resource").count() == 2


def test_an_unknown_resource_is_404(client, login_as):
    login_as("coordinator")
    assert client.get("/coordinator/resources/not-a-uuid").status_code == 404


def test_volunteers_cannot_edit_the_directory(client, login_as):
    login_as("volunteer")
    assert client.get("/coordinator/resources/new").status_code == 403
