"""Admin settings and the audit log viewer."""


import re

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.security import audit
from portal.services import settings
from tests.conftest import csrf_token


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def form_data(client, **changes):
    data = {
        "csrf_token": csrf_token(client), "program_name": "Member support portal",
        "program_contact": "Call us", "offer_expiry_hours": "72", "quiet_start": "21:00",
        "offer_reminder_hours": "24", "contact_remind_days": "3", "contact_escalate_days": "5",
        "quiet_end": "07:00", "retention_months": "24", "suppression_threshold": "10",
        "weight_experience": "35", "weight_career_stage": "15", "weight_practice_area": "10",
        "weight_availability": "15", "weight_region": "10", "weight_preferences": "10",
        "weight_load_balance": "5", "quiet_remind_weeks": "4", "quiet_escalate_weeks": "6",
        "approval_months": "24", "approval_reminder_days": "30",
        "crisis_resources-0-name": "Emergency", "crisis_resources-0-phone": "911",
        "crisis_resources-0-hours": "24/7",
    }
    data.update(changes)
    return data


def test_an_admin_changes_the_weights_and_the_next_computation_uses_them(app, client, admin):
    response = client.post("/admin/settings", data=form_data(client, weight_experience="50"))
    assert response.status_code == 303
    with app.app_context():
        assert settings.get(db.session, "matching_weights")["experience"] == 50
        from portal.services.matching import current_weights

        assert current_weights(db.session).experience == 50


def test_bad_values_are_explained_beside_the_field_and_kept(client, admin):
    response = client.post("/admin/settings", data=form_data(
        client, suppression_threshold="3", quiet_start="9pm", offer_expiry_hours="lots"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "At least 5" in page and "24-hour time" in page
    assert 'value="9pm"' in page


def test_all_weights_zero_is_refused(client, admin):
    zeros = {f"weight_{n}": "0" for n in ("experience", "career_stage", "practice_area",
                                          "availability", "region", "preferences", "load_balance")}
    response = client.post("/admin/settings", data=form_data(client, **zeros))
    assert response.status_code == 422 and "above zero" in response.get_data(as_text=True)


def test_crisis_resources_saved_are_the_ones_participants_see(app, client, admin):
    client.post("/admin/settings", data=form_data(
        client, **{"crisis_resources-1-name": "Night line", "crisis_resources-1-phone": "555-0100"}))
    with app.app_context():
        names = [r["name"] for r in settings.get(db.session, "crisis_resources")]
    assert names == ["Emergency", "Night line"]


def test_hours_typed_without_a_name_are_refused_not_dropped(app, client, admin):
    """Found by the hostile-input walk: hours alone were accepted and then quietly lost."""
    response = client.post("/admin/settings", data=form_data(
        client, **{"crisis_resources-2-hours": "Evenings"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "for these hours" in page
    assert 'value="Evenings"' in page


def test_a_coordinator_cannot_change_settings(client, login_as):
    login_as("coordinator")
    assert client.get("/admin/settings").status_code == 403


def test_each_setting_changed_is_audited_and_nothing_else(app, client, admin):
    from portal.models import AuditEvent

    client.post("/admin/settings", data=form_data(client, program_contact="Call us",
                                                  retention_months="36"))
    client.post("/admin/settings", data=form_data(client, program_contact="Call us",
                                                  retention_months="36"))  # saved again as is
    with app.app_context():
        changed = db.session.execute(sa.select(AuditEvent.subject_id).where(
            AuditEvent.action == "update", AuditEvent.subject_type == "setting")).scalars().all()
    # (the test app starts with its own quiet hours, so the form's change them too)
    assert sorted(changed) == ["crisis_resources", "program_contact", "quiet_hours",
                               "retention_months"]


def test_the_program_may_show_staff_names_to_participants(app, client, admin):
    client.post("/admin/settings", data=form_data(client, show_staff_names="y"))
    with app.app_context():
        assert settings.get(db.session, "show_staff_names") is True
    page = client.get("/admin/settings").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*id="show_staff_names"', page)


def test_the_audit_log_lists_and_filters_events(app, client, admin, hx):
    with app.app_context():
        audit.record(db.session, action="reveal", subject_type="intake", subject_id="abc", detail="phone")
        audit.record(db.session, action="view", subject_type="intake", subject_id="xyz")
        db.session.commit()
    page = client.get("/admin/audit?action=reveal").get_data(as_text=True)
    assert "abc" in page and "xyz" not in page
    fragment = client.get("/admin/audit?subject_id=xyz", headers=hx).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="audit-rows">') and "xyz" in fragment


def test_odd_audit_filters_get_a_message_not_an_error(client, admin):
    response = client.get("/admin/audit?day=yesterday&actor_id=nobody")
    assert response.status_code == 200
    assert "it was ignored" in response.get_data(as_text=True)


def test_the_audit_log_is_for_admins_only(client, login_as):
    login_as("coordinator")
    assert client.get("/admin/audit").status_code == 403


def test_every_hint_on_the_settings_page_is_whole(client, admin):
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Never below 5." in page and "“fewer than” the threshold" in page
