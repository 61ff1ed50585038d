"""The audit chain is keyed: someone who can write the database cannot change, remove, add
or re-hash an event unseen. The service and `flask audit verify` name the first broken link."""

import hashlib
import json
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.db import db, make_engine
from portal.migrations import upgrade
from portal.security import audit
from portal.security.crypto import new_key
from tests.conftest import TEST_DATABASE_URL


def plain_sha256(prev_hash: str, row) -> str:
    """The chain's hash before AUDIT_KEY: what any intruder can compute, key or no key."""
    fields = {"ts": row.ts.isoformat(), "actor_id": str(row.actor_id) if row.actor_id else None,
              "actor_role": row.actor_role, "action": row.action,
              "subject_type": row.subject_type, "subject_id": row.subject_id,
              "detail": row.detail, "reason": row.reason, "request_id": row.request_id}
    payload = json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}|{payload}".encode()).hexdigest()


def verify(app, **kwargs) -> audit.Verification:
    with app.app_context():
        return audit.verify(db.session, **kwargs)


def cli_verify(app, *args):
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def broken_at(app, **kwargs):
    broken = verify(app, **kwargs).broken
    return broken and (broken.event_id, broken.problem)


@pytest.fixture
def chain(record_events, make_user):
    """Five events by an admin: their ids."""
    return record_events(5, actor=make_user("admin"))


def test_an_untouched_chain_verifies_in_any_batch_size(app, chain):
    for batch in (1, 2, 1000):
        result = verify(app, batch=batch)
        assert result.intact and result.events == 5 and result.unkeyed == 0
    outcome = cli_verify(app, "--batch", "2")
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output.splitlines()[0] == "audit chain intact: 5 events"


def test_every_event_names_the_key_that_signed_it(app, chain, tamper):
    assert {row.key_id for row in tamper.rows()} == {"a1"}


def test_an_empty_chain_is_intact(app):
    assert cli_verify(app).output.strip() == "audit chain intact: 0 events"


@pytest.mark.parametrize("column, value", [
    ("detail", "nothing"),
    ("ts", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("actor_id", uuid.UUID(int=7)),
    ("action", "login_ok"),
    ("ip_hash", "0123456789abcdef"),
], ids=["detail", "ts", "actor", "action", "ip"])
def test_a_changed_event_is_reported_at_its_id_by_the_service_and_the_command(
        app, chain, tamper, column, value):
    tamper.update(chain[2], **{column: value})
    assert broken_at(app, batch=2) == (chain[2], "hash_mismatch")
    with app.app_context():
        assert audit.verify_chain(db.session) == chain[2]
    outcome = cli_verify(app)
    assert outcome.exit_code == 1
    assert f"audit chain broken at event {chain[2]} (" in outcome.output
    assert "hash mismatch" in outcome.output and "2 events verified before it" in outcome.output


def test_the_command_gives_the_broken_event_s_time(app, chain, tamper):
    tamper.update(chain[1], ts=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert "(2026-01-02T03:04:05+00:00)" in cli_verify(app).output


def test_a_deleted_event_is_found_at_the_one_after_it(app, chain, tamper):
    tamper.delete(chain[2])
    assert broken_at(app, batch=2) == (chain[3], "prev_hash_mismatch")
    assert "prev_hash mismatch" in cli_verify(app).output


def test_a_deleted_last_event_is_a_head_mismatch(app, chain, tamper):
    tamper.delete(chain[-1])
    assert broken_at(app) == (chain[-2], "head_mismatch")
    outcome = cli_verify(app)
    assert outcome.exit_code == 1 and "head mismatch against audit_head" in outcome.output


def test_an_emptied_chain_is_a_head_mismatch(app, chain, tamper):
    tamper.execute(sa.delete(tamper.events))
    assert broken_at(app) == (None, "head_mismatch")
    assert "broken at the empty chain" in cli_verify(app).output


@pytest.mark.parametrize("key_id", [None, "a1"], ids=["unkeyed", "claiming the key"])
def test_an_inserted_event_is_found_even_with_the_head_moved_to_it(app, chain, tamper, key_id):
    last = tamper.rows()[-1]
    forged = dict(last._mapping, id=last.id + 1, action="login_ok", key_id=key_id,
                  prev_hash=last.hash)
    forged["hash"] = plain_sha256(last.hash, SimpleNamespace(**forged))  # the best without the key
    tamper.insert(**forged)
    tamper.set_head(forged["hash"])
    problem = "unkeyed_event" if key_id is None else "hash_mismatch"
    assert broken_at(app) == (last.id + 1, problem)
    assert cli_verify(app).exit_code == 1


def rebuild(tamper, *, start: int, key_id="keep", **change):
    """An intruder without the key changes event ``start`` and re-hashes the chain from it on."""
    rows = tamper.rows()
    previous = audit.GENESIS
    for row in rows:
        if row.id >= start:
            values = dict(row._mapping, **(change if row.id == start else {}))
            if key_id != "keep":
                values["key_id"] = key_id
            values.update(prev_hash=previous, hash=plain_sha256(previous, SimpleNamespace(**values)))
            tamper.update(row.id, **{k: v for k, v in values.items() if k != "id"})
            previous = values["hash"]
        else:
            previous = row.hash
    tamper.set_head(previous)


def test_a_chain_rebuilt_with_plain_sha256_fails_where_the_rebuild_starts(app, chain, tamper):
    rebuild(tamper, start=chain[2], detail="nothing")
    assert broken_at(app) == (chain[2], "hash_mismatch")


def test_a_rebuild_passed_off_as_legacy_events_fails_after_a_keyed_event(app, chain, tamper):
    rebuild(tamper, start=chain[2], key_id=None, detail="nothing")
    assert broken_at(app) == (chain[2], "unkeyed_event")
    assert "unkeyed event" in cli_verify(app).output


def test_with_the_legacy_boundary_pinned_not_even_a_whole_unkeyed_rebuild_verifies(
        app, config, chain, tamper):
    rebuild(tamper, start=chain[0], key_id=None, detail="nothing")
    pinned = create_app({**config, "AUDIT_LEGACY_UNTIL": chain[0] - 1})
    assert broken_at(pinned) == (chain[0], "unkeyed_event")


def test_after_a_key_rotation_old_and_new_events_verify(app, config, chain, record_events):
    # The operator puts a new key first and keeps the old one listed; the keys are the process's.
    rotated = create_app({**config, "AUDIT_KEY": f"a2:{new_key()},{config['AUDIT_KEY']}"})
    later = record_events(3)
    with rotated.app_context():
        keys = dict(db.session.execute(sa.text("SELECT id, key_id FROM audit_event")).all())
    assert {keys[i] for i in chain} == {"a1"} and {keys[i] for i in later} == {"a2"}
    assert verify(rotated).events == 8
    assert cli_verify(rotated).output.startswith("audit chain intact: 8 events")


def test_a_key_dropped_from_the_list_too_soon_is_an_unknown_key_id(app, config, chain):
    only_new = create_app({**config, "AUDIT_KEY": f"a2:{new_key()}"})
    assert broken_at(only_new) == (chain[0], "unknown_key_id")
    assert "unknown key id" in cli_verify(only_new).output


def test_a_key_of_the_same_id_but_other_bytes_is_a_hash_mismatch(app, config, chain):
    impostor = create_app({**config, "AUDIT_KEY": f"a1:{new_key()}"})
    assert broken_at(impostor) == (chain[0], "hash_mismatch")


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="PostgreSQL refuses a non-time in ts")
def test_a_field_overwritten_with_something_unreadable_is_a_break_not_a_crash(app, chain, tamper):
    tamper.execute(sa.text("UPDATE audit_event SET ts = 'soon' WHERE id = :id")
                   .bindparams(id=chain[3]))
    assert broken_at(app, batch=2) == (chain[3], "hash_mismatch")
    assert cli_verify(app).exit_code == 1


# ---------------------------------------------------------------- before AUDIT_KEY

def legacy_rows(n: int, start: datetime) -> list[dict]:
    """Events as the portal wrote them before AUDIT_KEY: plain SHA-256 and no key id."""
    rows, previous = [], audit.GENESIS
    for i in range(n):
        row = dict(ts=start + timedelta(minutes=i), actor_id=None, actor_role=None,
                   action="view", subject_type="intake", subject_id="old", detail=None,
                   reason=None, request_id=None, ip_hash=None, key_id=None)
        row.update(prev_hash=previous, hash=plain_sha256(previous, SimpleNamespace(**row)))
        rows.append(row)
        previous = row["hash"]
    return rows


@pytest.fixture
def legacy(app):
    """Three events from before AUDIT_KEY, then the head they left."""
    from portal.models import AuditEvent, AuditHead

    rows = legacy_rows(3, datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    with app.app_context():
        db.session.execute(sa.insert(AuditEvent), rows)
        db.session.add(AuditHead(id=1, last_hash=rows[-1]["hash"]))
        db.session.commit()
    return rows


def test_events_from_before_the_key_verify_and_keyed_ones_follow_them(app, legacy, record_events):
    assert verify(app).intact
    record_events(2)
    result = verify(app)
    assert result.intact and result.events == 5 and result.unkeyed == 3
    outcome = cli_verify(app)
    assert outcome.exit_code == 0
    assert outcome.output.splitlines() == ["audit chain intact: 5 events",
                                           "  of which 3 from before AUDIT_KEY (plain SHA-256)"]


def test_a_changed_legacy_event_is_still_found(app, legacy, record_events, tamper):
    record_events(2)
    tamper.update(2, reason="nothing")
    assert broken_at(app) == (2, "hash_mismatch")


def test_legacy_events_verify_up_to_the_pinned_boundary_and_not_after(
        app, config, legacy, tamper):
    assert verify(create_app({**config, "AUDIT_LEGACY_UNTIL": 3})).intact
    assert broken_at(create_app({**config, "AUDIT_LEGACY_UNTIL": 2})) == (3, "unkeyed_event")


def test_the_migration_keeps_old_events_verifying_and_the_log_append_only(app, config, tmp_path):
    path = tmp_path / "upgraded.sqlite3"
    upgrade(f"sqlite:///{path}", "0003")
    rows = legacy_rows(2, datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    with sqlite3.connect(path) as conn:  # what the old code left behind
        for row in rows:
            conn.execute(
                "INSERT INTO audit_event (ts, action, subject_type, subject_id, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?)", (row["ts"].strftime("%Y-%m-%d %H:%M:%S.%f"),
                                              row["action"], row["subject_type"],
                                              row["subject_id"], row["prev_hash"], row["hash"]))
        conn.execute("INSERT INTO audit_head (id, last_hash) VALUES (1, ?)", (rows[-1]["hash"],))
    upgrade(f"sqlite:///{path}")
    upgraded = create_app({**config, "DATABASE_URL": f"sqlite:///{path}"})
    with upgraded.app_context():
        audit.record(db.session, action="view", subject_type="intake", subject_id="new")
        db.session.commit()
        result = audit.verify(db.session)
    assert result.intact and (result.events, result.unkeyed) == (3, 2)
    with make_engine(f"sqlite:///{path}").connect() as conn, pytest.raises(sa.exc.DatabaseError):
        conn.execute(sa.text("UPDATE audit_event SET key_id = NULL"))
