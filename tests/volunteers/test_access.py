"""Who may open each volunteer and volunteer-management route: walked from the URL map, so a
new route without a rule fails here."""

from __future__ import annotations

import pytest

from tests.conftest import HX, csrf_token

VOLUNTEER = ("volunteer",)
COORDINATOR = ("coordinator",)
# Every route of this area and who may open it. A route missing here fails the first test.
ACCESS = {
    "volunteer.home": VOLUNTEER,
    "volunteer.profile": VOLUNTEER,
    "volunteer.availability": VOLUNTEER,
    "volunteer.set_cell": VOLUNTEER,
    "volunteer.away": VOLUNTEER,
    "volunteer.away_clear": VOLUNTEER,
    "volunteer.pause": VOLUNTEER,
    "volunteer.offer_list": VOLUNTEER,
    "volunteer.offer": VOLUNTEER,
    "volunteer.accept_offer": VOLUNTEER,
    "volunteer.decline_offer": VOLUNTEER,
    "volunteer.relationship_list": VOLUNTEER,
    "volunteer.relationship": VOLUNTEER,
    "volunteer.check_in": VOLUNTEER,
    "volunteer.first_contact": VOLUNTEER,
    "volunteer.care": VOLUNTEER,
    "volunteer.wellbeing": VOLUNTEER,
    "volunteer.log_service": VOLUNTEER,
    "volunteer.request_change": VOLUNTEER,
    "volunteer.close": VOLUNTEER,
    "volunteer.referrals": VOLUNTEER,
    "invitation.join": "public",
    "coordinator.volunteer_list": COORDINATOR,
    "coordinator.take_on_debrief": COORDINATOR,
    "coordinator.invite": COORDINATOR,
    "coordinator.resend_invitation": COORDINATOR,
    "coordinator.revoke_invitation": COORDINATOR,
    "coordinator.volunteer": COORDINATOR,
    "coordinator.record_screening": COORDINATOR,
    "coordinator.record_training": COORDINATOR,
    "coordinator.activate": COORDINATOR,
    "coordinator.renew_approval": COORDINATOR,
    "coordinator.pause": COORDINATOR,
    "coordinator.retire": COORDINATOR,
}
MODULES = ("portal.volunteer.", "portal.coordinator.volunteers")
SAMPLES = {"UUIDConverter": "00000000-0000-4000-8000-000000000000", "IntegerConverter": 1}


def requests_for(app, endpoint):
    """(method, url) for each method of ``endpoint``, its arguments filled with samples."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules(endpoint):
        values = {name: SAMPLES.get(type(conv).__name__, "sample-token")
                  for name, conv in rule._converters.items()}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, adapter.build(endpoint, values, method=method)


def test_every_route_of_the_area_is_listed_with_the_access_it_declares(app):
    ours = {rule.endpoint for rule in app.url_map.iter_rules()
            if app.view_functions[rule.endpoint].__module__.startswith(MODULES)}
    assert ours == set(ACCESS)
    for endpoint, expected in ACCESS.items():
        assert app.view_functions[endpoint].access == expected, endpoint


@pytest.mark.parametrize("endpoint", [e for e, who in ACCESS.items() if who != "public"])
def test_a_stranger_is_sent_to_sign_in(app, client, endpoint):
    for method, url in requests_for(app, endpoint):
        plain = client.open(url, method=method, data={"csrf_token": csrf_token(client)})
        assert plain.status_code == 303 and "/sign-in" in plain.headers["Location"]
        htmx = client.open(url, method=method, headers={**HX, "X-CSRFToken": csrf_token(client)})
        assert htmx.status_code == 204 and "/sign-in" in htmx.headers["HX-Redirect"]


@pytest.mark.parametrize("endpoint", [e for e, who in ACCESS.items() if who != "public"])
def test_a_wrong_role_gets_403(app, client, login_as, endpoint):
    wrong = "coordinator" if ACCESS[endpoint] == VOLUNTEER else "volunteer"
    for role in (wrong, "participant"):
        login_as(role)
        for method, url in requests_for(app, endpoint):
            response = client.open(url, method=method, data={"csrf_token": csrf_token(client)})
            assert response.status_code == 403, (role, method, url)
        client.post("/sign-out", data={"csrf_token": csrf_token(client)})


def test_an_admin_may_manage_volunteers(client, login_as, make_volunteer):
    login_as("admin")
    profile = make_volunteer()
    assert client.get("/coordinator/volunteers").status_code == 200
    assert client.get(f"/coordinator/volunteers/{profile.id}").status_code == 200


def test_a_volunteer_account_without_a_profile_gets_a_plain_message(client, login_as):
    login_as("volunteer")
    response = client.get("/volunteer/")
    assert response.status_code == 404
    assert "has not been set up yet" in response.get_data(as_text=True)


def test_a_volunteers_home_is_where_sign_in_leads(client, auth, make_volunteer, email_of):
    profile = make_volunteer()
    response = auth.login(email_of(profile))
    assert client.get(response.headers["Location"]).headers["Location"] == "/volunteer/"
