"""Migration 0010: a volunteer's code lists become bit masks and back, nothing lost."""

import json
import uuid

import sqlalchemy as sa
from alembic import command

from portal.db import make_engine
from portal.migrations import alembic_config, upgrade


def test_lists_become_masks_and_come_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'masks.sqlite3'}"
    upgrade(url, "0009")
    engine = make_engine(url)
    user, profile = uuid.uuid4().hex, uuid.uuid4().hex
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO user_account (id, role, email_index, is_enabled, session_epoch, "
            "email_notifications, failed_logins, created_at, updated_at) "
            "VALUES (:id, 'volunteer', 'x', 1, 0, 1, 0, '2026-01-01', '2026-01-01')"), {"id": user})
        conn.execute(sa.text(
            "INSERT INTO volunteer_profile (id, user_id, state, state_changed_at, experience, "
            "boundaries, languages, capacity, availability_mask, paused, created_at, updated_at) "
            "VALUES (:id, :user, 'active', '2026-01-01', :exp, :bounds, :langs, 1, 0, 0, "
            "'2026-01-01', '2026-01-01')"),
            {"id": profile, "user": user, "exp": '["isolation", "stress_burnout", "nonsense"]',
             "bounds": "[]", "langs": '["fr", "en"]'})
    engine.dispose()

    upgrade(url)
    with make_engine(url).connect() as conn:
        masks = conn.execute(sa.text(
            "SELECT experience_mask, boundaries_mask, languages_mask FROM volunteer_profile")).one()
    assert tuple(masks) == (1 << 0 | 1 << 14, 0, 0b11)  # stress_burnout, isolation; en, fr

    command.downgrade(alembic_config(url), "0009")
    with make_engine(url).connect() as conn:
        lists = conn.execute(sa.text(
            "SELECT experience, boundaries, languages FROM volunteer_profile")).one()
    assert [json.loads(value) for value in lists] == [["stress_burnout", "isolation"], [],
                                                      ["en", "fr"]]
