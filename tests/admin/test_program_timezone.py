"""The program time zone is a setting of its own, checked as a real zone name."""

from datetime import UTC, datetime

import pytest
import time_machine

from portal.db import db
from portal.services import settings
from tests.admin.test_settings_and_audit import form_data


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def test_the_settings_page_offers_the_program_time_zone(client, admin):
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'name="program_timezone"' in page and 'value="America/Edmonton"' in page


def test_an_admin_sets_the_program_time_zone(app, client, admin):
    response = client.post("/admin/settings", data=form_data(client, program_timezone="America/Regina"))
    assert response.status_code == 303
    with app.app_context():
        assert settings.get(db.session, "program_timezone") == "America/Regina"
        assert "timezone" not in settings.get(db.session, "quiet_hours")


@pytest.mark.parametrize("typed", ["Mountain Time", "America/Calgory", ""])
def test_a_zone_that_is_not_real_is_explained_and_kept(app, client, admin, typed):
    response = client.post("/admin/settings", data=form_data(client, program_timezone=typed))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Use a time zone name like America/Edmonton." in page
    assert f'value="{typed}"' in page
    with app.app_context():
        assert settings.get(db.session, "program_timezone") == "America/Edmonton"


def test_the_audit_log_shows_times_in_the_program_zone(client, login_as):
    with time_machine.travel(datetime(2026, 12, 2, 3, 0, 5, tzinfo=UTC), tick=False):
        login_as("admin")  # the sign-in is an audited event, at 20:00:05 on 1 Dec in Alberta
        page = client.get("/admin/audit").get_data(as_text=True)
    assert "2026-12-01 20:00:05 MST" in page
    assert "2026-12-02 03:00:05" not in page and "(UTC)" not in page
