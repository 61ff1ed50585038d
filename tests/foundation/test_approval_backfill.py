"""Upgrading to approval validity gives every volunteer already approved a valid-until date."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa

from portal.migrations import upgrade
from portal.services.approvals import months_after


def _filler(column: sa.Column):
    """Any value the column accepts: the test cares only about the state."""
    kind = column.type.python_type if not isinstance(column.type, sa.types.NullType) else str
    return {int: 0, bool: False, datetime: datetime(2026, 1, 1), date: date(2026, 1, 1),
            bytes: b"x", uuid.UUID: uuid.uuid4().hex}.get(kind, "x")


def _insert(conn, table: sa.Table, **given) -> None:
    row = {column.name: _filler(column) for column in table.columns
           if not column.nullable and column.name not in given}
    conn.execute(table.insert().values(**row, **given))


def test_active_and_paused_volunteers_count_their_approval_from_the_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
    upgrade(url, "0015")
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine, only=["user_account", "volunteer_profile"])
    users, profiles = meta.tables["user_account"], meta.tables["volunteer_profile"]
    with engine.begin() as conn:
        for n, state in enumerate(("active", "paused", "trained", "retired")):
            user_id = uuid.uuid4().hex
            _insert(conn, users, id=user_id, email_index=f"index-{n}")
            _insert(conn, profiles, id=uuid.uuid4().hex, user_id=user_id, state=state)
    engine.dispose()
    upgrade(url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        dates = dict(conn.execute(sa.text("SELECT state, approved_until FROM volunteer_profile")).all())
    engine.dispose()
    until = months_after(date.today(), 24).isoformat()
    assert dates == {"active": until, "paused": until, "trained": None, "retired": None}
