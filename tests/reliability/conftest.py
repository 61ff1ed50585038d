"""Real disconnects at a chosen moment: the Nth statement (or commit) finds its connection dead.

On PostgreSQL an admin connection terminates the backend (``pg_terminate_backend``); on SQLite
the raw connection is closed, which the pysqlite dialect reads as a disconnect. Nothing is
mocked: the database really loses the connection, and SQLAlchemy really invalidates it.
"""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from portal.db import db
from tests.conftest import TEST_DATABASE_URL


class Faults:
    """Counts the app's statements and commits; kills the connection at the chosen ones."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self._admin = None
        self.arm()

    def arm(self, statements=(), from_statement: int | None = None,
            commit: int | None = None, lose_reply: bool = False) -> None:
        """Count afresh; kill at each of ``statements``, at every one from ``from_statement``
        on, or at the ``commit``-th commit (after it lands, if ``lose_reply``)."""
        self.statements = self.commits = self.kills = 0
        self.seen: list[str] = []    # each statement's first line, in order
        self.struck: list[str] = []  # those that met a dead connection
        self._at = set(statements)
        self._from = from_statement
        self._commit = commit
        self._lose_reply = lose_reply

    def disarm(self) -> None:
        """No more faults; the counts stay readable."""
        self._at, self._from, self._commit = set(), None, None

    def _statement(self, conn, _cursor, statement, _parameters, _context, _executemany):
        self.statements += 1
        self.seen.append(statement.split("\n", 1)[0])
        if self.statements in self._at or (self._from and self.statements >= self._from):
            self.struck.append(self.seen[-1])
            self._kill(conn)

    def _committing(self, conn) -> None:
        self.commits += 1
        if self.commits != self._commit:
            return
        raw = conn.connection.dbapi_connection
        if self._lose_reply:
            raw.commit()  # the work lands; only the answer to SQLAlchemy's COMMIT is lost
            if self._postgres:
                raw.execute("SELECT 1")  # so that COMMIT goes to the server, and finds it gone
        self._kill(conn)

    def kill(self, conn) -> None:
        """Kill ``conn`` now, whatever it is doing."""
        self._kill(conn)

    @property
    def _postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def _kill(self, conn) -> None:
        self.kills += 1
        raw = conn.connection.dbapi_connection
        if self._postgres:
            self.admin.execute("SELECT pg_terminate_backend(%s, 5000)", (raw.info.backend_pid,))
        else:
            raw.close()

    @property
    def admin(self):
        if self._admin is None:
            import psycopg

            self._admin = psycopg.connect(TEST_DATABASE_URL, autocommit=True)
        return self._admin

    def close(self) -> None:
        if self._admin is not None:
            self._admin.close()


@pytest.fixture
def faults(app, caplog):
    """The fault injector on the app's engine; the last-resort middleware must stay unused."""
    injector = Faults(db.engine)
    sa.event.listen(db.engine, "before_cursor_execute", injector._statement)
    sa.event.listen(db.engine, "commit", injector._committing)
    caplog.set_level(logging.WARNING)
    yield injector
    sa.event.remove(db.engine, "before_cursor_execute", injector._statement)
    sa.event.remove(db.engine, "commit", injector._committing)
    injector.close()
    escaped = [r for r in caplog.records if r.name == "portal.last_resort"]
    assert not escaped, "an exception escaped Flask: " + escaped[0].getMessage()
