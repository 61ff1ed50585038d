"""The follow-through settings on the admin's page: first contact, quiet weeks, the offer's
reminder and how long a volunteer's approval lasts. Bounded, explained beside the field, kept
(the clock reading them: tests/volunteers/test_first_contact.py, test_approval_validity.py)."""

from __future__ import annotations

import pytest

from portal.db import db
from portal.services import settings
from tests.admin.test_settings_and_audit import form_data


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def test_the_page_shows_every_follow_through_setting_with_its_value(client, admin):
    page = client.get("/admin/settings").get_data(as_text=True)
    for name, value in (("contact_remind_days", "3"), ("contact_escalate_days", "5"),
                        ("quiet_remind_weeks", "4"), ("quiet_escalate_weeks", "6"),
                        ("offer_reminder_hours", "24"), ("approval_months", "24"),
                        ("approval_reminder_days", "30")):
        assert f'name="{name}"' in page and f'id="{name}"' in page
        field = page[page.index(f'name="{name}"') - 200:page.index(f'name="{name}"') + 200]
        assert f'value="{value}"' in field, name


def test_an_admin_saves_them_and_they_are_stored(app, client, admin):
    response = client.post("/admin/settings", data=form_data(
        client, quiet_remind_weeks="2", quiet_escalate_weeks="3", approval_months="12",
        approval_reminder_days="21"))
    assert response.status_code == 303
    with app.app_context():
        assert settings.get(db.session, "quiet_weeks") == {"remind": 2, "escalate": 3}
        assert settings.get(db.session, "approval_months") == 12
        assert settings.get(db.session, "approval_reminder_days") == 21


@pytest.mark.parametrize("changes, words, kept", [
    ({"quiet_remind_weeks": "0"}, "Between 1 and 26 weeks.", 'value="0"'),
    ({"quiet_escalate_weeks": "99"}, "Between 1 and 52 weeks.", 'value="99"'),
    ({"quiet_remind_weeks": "5", "quiet_escalate_weeks": "5"},
     "Tell the coordinator later than the volunteer", 'value="5"'),
    ({"approval_months": "0"}, "Between 1 and 60 months.", 'value="0"'),
    ({"approval_months": "many"}, "Between 1 and 60 months.", 'value="many"'),
    ({"approval_reminder_days": "400"}, "Between 1 and 120 days.", 'value="400"'),
    ({"approval_months": "1", "approval_reminder_days": "45"},
     "Remind before the approval ends", 'value="45"'),
])
def test_bad_values_are_explained_beside_the_field_and_kept(app, client, admin, changes, words,
                                                           kept):
    response = client.post("/admin/settings", data=form_data(client, **changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert words in page and kept in page
    with app.app_context():
        assert settings.get(db.session, "quiet_weeks") == {"remind": 4, "escalate": 6}
        assert settings.get(db.session, "approval_months") == 24
