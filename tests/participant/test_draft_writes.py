"""The draft's session row is written when what it holds changes, and only then (or to mark activity)."""

import json

import sqlalchemy as sa

from portal.db import db
from portal.models import ServerSession


def stored_rows(app) -> list[tuple[bytes, object]]:
    """Each session row's ciphertext and last activity (a rewrite seals with a new nonce)."""
    with app.app_context():
        return [(bytes(ct), seen) for ct, seen in db.session.execute(
            sa.select(ServerSession.data_ct, ServerSession.last_seen_at)).all()]


def stored_data(app) -> dict:
    with app.app_context():
        return json.loads(db.session.execute(sa.select(ServerSession)).scalar_one().data)


def test_an_answer_given_again_leaves_the_session_row_as_it_was(app, hx_wizard):
    assert hx_wizard.safety("no").status_code == 200
    before = stored_rows(app)
    assert hx_wizard.safety("no").status_code == 200
    assert stored_rows(app) == before


def test_a_changed_answer_is_written_to_the_session_row(app, hx_wizard):
    hx_wizard.safety("no")
    before = stored_rows(app)
    hx_wizard.safety("yes")
    assert stored_rows(app) != before
    assert stored_data(app)["request_draft"]["in_danger"] is True


def test_a_changed_answer_updates_the_row_it_read_without_reading_it_again(
        app, hx_wizard, statements):
    hx_wizard.safety("no")
    statements.clear()
    hx_wizard.safety("yes")
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")
             and "FROM server_session" in s]
    # Only the three columns every request reads first; never the whole row loaded to write it.
    assert reads and all("server_session.created_at" not in s for s in reads)
    assert sum(s.lstrip().upper().startswith("UPDATE SERVER_SESSION") for s in statements) == 1
    assert stored_data(app)["request_draft"]["in_danger"] is True
