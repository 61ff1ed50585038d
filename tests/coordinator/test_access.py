"""Who may open each Today and request route: walked from the URL map, so a new route without
a rule fails here. Volunteers and participants get 403; strangers are sent to sign in."""

from __future__ import annotations

import pytest

from tests.conftest import HX, csrf_token

COORDINATOR = ("coordinator",)
ACCESS = {
    "coordinator.today": COORDINATOR,
    "coordinator.today_counts": COORDINATOR,
    "coordinator.today_offers": COORDINATOR,
    "coordinator.today_follow_up": COORDINATOR,
    "coordinator.today_safety": COORDINATOR,
    "coordinator.today_referrals": COORDINATOR,
    "coordinator.today_follow_through": COORDINATOR,
    "coordinator.acknowledge_check_in": COORDINATOR,
    "coordinator.intake": COORDINATOR,
    "coordinator.intake_suggestions": COORDINATOR,
    "coordinator.reveal": COORDINATOR,
    "coordinator.offer": COORDINATOR,
    "coordinator.recompute": COORDINATOR,
    "coordinator.manual_match": COORDINATOR,
    "coordinator.pause_intake": COORDINATOR,
    "coordinator.resume_intake": COORDINATOR,
    "coordinator.close_intake": COORDINATOR,
    "coordinator.invite_participant": COORDINATOR,
    "coordinator.enter_request": COORDINATOR,
    "coordinator.enter_details": COORDINATOR,
}
MODULES = ("portal.coordinator.today", "portal.coordinator.intakes", "portal.coordinator.entry")
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def requests_for(app, endpoint, sample=UNKNOWN):
    """(method, url) for each method of ``endpoint``, its id filled with ``sample``."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules(endpoint):
        values = dict.fromkeys(rule.arguments, sample)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, adapter.build(endpoint, values, method=method)


def test_every_route_is_listed_with_the_access_it_declares(app):
    ours = {rule.endpoint for rule in app.url_map.iter_rules()
            if app.view_functions[rule.endpoint].__module__.startswith(MODULES)}
    assert ours == set(ACCESS)
    for endpoint, expected in ACCESS.items():
        assert app.view_functions[endpoint].access == expected, endpoint


@pytest.mark.parametrize("endpoint", ACCESS)
def test_a_stranger_is_sent_to_sign_in(app, client, endpoint):
    for method, url in requests_for(app, endpoint):
        plain = client.open(url, method=method, data={"csrf_token": csrf_token(client)})
        assert plain.status_code in (302, 303) and "/sign-in" in plain.headers["Location"]
        htmx = client.open(url, method=method, headers={**HX, "X-CSRFToken": csrf_token(client)})
        assert htmx.status_code == 204 and "/sign-in" in htmx.headers["HX-Redirect"]


@pytest.mark.parametrize("endpoint", ACCESS)
def test_volunteers_and_participants_get_403(app, client, login_as, make_intake, endpoint):
    intake = make_intake(alias="Kept Private")
    for role in ("volunteer", "participant"):
        login_as(role)
        for method, url in requests_for(app, endpoint, sample=str(intake.id)):
            response = client.open(url, method=method, data={"csrf_token": csrf_token(client)})
            assert response.status_code == 403, (role, method, url)
            assert "Kept Private" not in response.get_data(as_text=True)
        client.post("/sign-out", data={"csrf_token": csrf_token(client)})


@pytest.mark.parametrize("endpoint", [e for e in ACCESS if e.startswith(
    ("coordinator.intake", "coordinator.reveal", "coordinator.offer", "coordinator.recompute",
     "coordinator.manual_match", "coordinator.pause_intake", "coordinator.resume_intake",
     "coordinator.close_intake", "coordinator.acknowledge"))])
def test_an_unknown_id_is_404(app, client, staff, endpoint):
    for method, url in requests_for(app, endpoint):
        response = client.open(url, method=method, data={"csrf_token": csrf_token(client)})
        assert response.status_code == 404, (method, url)


def test_an_admin_may_open_a_request(client, login_as, make_intake):
    login_as("admin")
    intake = make_intake()
    assert client.get(f"/coordinator/intakes/{intake.id}").status_code == 200
    assert client.get("/coordinator/").status_code == 200
