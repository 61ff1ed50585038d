"""One permission check for every view."""

import pytest
from flask import Blueprint

from portal.db import db
from portal.models import AuditEvent
from portal.security.permissions import requires_role


def test_every_view_declares_who_may_open_it(app):
    undeclared = [
        rule.endpoint for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not hasattr(app.view_functions[rule.endpoint], "access")
    ]
    assert undeclared == []


@pytest.fixture
def staff_only_route(app):
    probe = Blueprint("probe", __name__)

    @probe.get("/probe-staff-only")
    @requires_role("coordinator")
    def staff_only():
        return "staff"

    app.register_blueprint(probe)
    return "/probe-staff-only"


def test_a_wrong_role_gets_403_and_the_denial_is_audited(app, client, login_as, staff_only_route):
    login_as("participant")
    assert client.get(staff_only_route).status_code == 403
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="authz_denied").count() == 1


def test_an_admin_may_open_coordinator_views(client, login_as, staff_only_route):
    login_as("admin")
    assert client.get(staff_only_route).status_code == 200
