"""The referral directory's editor, called directly: what each operation stores and records."""

import uuid

import pytest
import sqlalchemy as sa

from portal.models import AuditEvent, ReferralResource, User
from portal.services import resources
from portal.services.errors import NotFound
from portal.services.relationships import referral_directory

LINE = {"name": "  Night line  ", "category": "counselling", "phone": " 1-800-555-0101 ",
        "url": "", "region": "", "always_open": True, "hours": "", "description": ""}


@pytest.fixture
def coordinator(make_user, session):
    return session.get(User, make_user("coordinator").id)


def audited(session, action):
    return session.execute(sa.select(AuditEvent).where(
        AuditEvent.subject_type == "referral_resource", AuditEvent.action == action)).scalars().all()


def test_a_new_resource_is_trimmed_and_audited(session, coordinator):
    resource = resources.create_resource(session, LINE, actor=coordinator)
    assert (resource.name, resource.phone, resource.always_open) == ("Night line", "1-800-555-0101", True)
    [event] = audited(session, "create")
    assert event.subject_id == str(resource.id) and event.actor_id == coordinator.id


def test_the_crisis_line_flag_follows_the_category(session, coordinator):
    resource = resources.create_resource(session, LINE, actor=coordinator)
    resources.update_resource(session, resource, {**LINE, "category": "crisis_line"}, actor=coordinator)
    assert resource.is_crisis_line
    resources.update_resource(session, resource, LINE, actor=coordinator)
    assert not resource.is_crisis_line
    assert len(audited(session, "update")) == 2


def test_a_retired_resource_leaves_the_directory_and_can_come_back(session, coordinator):
    resource = resources.create_resource(session, LINE, actor=coordinator)
    resources.set_active(session, resource, False, actor=coordinator)
    assert referral_directory(session) == []
    resources.set_active(session, resource, True, actor=coordinator)
    assert [r for _label, group in referral_directory(session) for r in group] == [resource]
    assert [e.detail for e in audited(session, "update")] == ["retired", "active"]


def test_the_editor_lists_active_resources_first_then_by_name(session, coordinator):
    made = {name: resources.create_resource(session, {**LINE, "name": name}, actor=coordinator)
            for name in ("Gamma", "Alpha", "Beta")}
    resources.set_active(session, made["Alpha"], False, actor=coordinator)
    assert [r.name for r in resources.list_for_editor(session)] == ["Beta", "Gamma", "Alpha"]


@pytest.mark.parametrize("resource_id", ["not-a-uuid", str(uuid.uuid4())], ids=["malformed", "unknown"])
def test_an_unknown_or_malformed_id_is_not_found(session, resource_id):
    with pytest.raises(NotFound):
        resources.get_resource(session, resource_id)


def test_the_editor_never_commits(session, coordinator):
    resources.create_resource(session, LINE, actor=coordinator)
    session.rollback()
    assert session.execute(sa.select(ReferralResource)).scalars().all() == []
