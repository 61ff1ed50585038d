"""What the database holds, to tell whether a submission changed anything, and what it stored.

Every statement the app's engine runs is watched: a submission changed something when an
INSERT, UPDATE or DELETE on a content table was committed while it ran (a flush rolled back
stored nothing). Only then is the database read, to name the rows and what they now hold.
Bookkeeping any request may touch is not content: sessions, the append-only audit log (whose
new rows are read only to check no typed value reached them), and a user's sign-in counters.
"""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa

from portal.db import db
from portal.models.base import Base
from portal.security.crypto import EncryptedField

SKIPPED_TABLES = {"server_session", "audit_event", "audit_head", "periodic_task"}
# Columns that change on a refused attempt by design (failure counters, rehash on sign-in).
BOOKKEEPING = {"user_account": {"failed_logins", "locked_until", "last_login_at", "password_hash",
                                "totp_last_step"}}
WRITE = re.compile(r"\s*(INSERT INTO|UPDATE|DELETE FROM)\s+\"?(\w+)\"?(.*)", re.S | re.I)


def _content_write(statement: str) -> str | None:
    """The table a statement writes content to, or None (a read, or bookkeeping only)."""
    match = WRITE.match(statement)
    if match is None:
        return None
    verb, table, rest = match.group(1).upper(), match.group(2), match.group(3)
    if table in SKIPPED_TABLES:
        return None
    if verb == "UPDATE" and table in BOOKKEEPING:
        assignments = rest.split(" WHERE ")[0].removeprefix(" SET ")
        columns = {part.split("=")[0].strip().strip('"') for part in assignments.split(",")}
        if columns <= BOOKKEEPING[table] | {"updated_at"}:
            return None
    return table


class Writes:
    """Content writes the engine committed, collected until taken."""

    def __init__(self, engine: sa.Engine):
        self.pending: dict[int, list[str]] = {}
        self.savepoints: dict[tuple[int, str], int] = {}
        self.committed: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", self._execute)
        sa.event.listen(engine, "commit", self._commit)
        sa.event.listen(engine, "rollback", self._rollback)
        sa.event.listen(engine, "savepoint", self._savepoint)
        sa.event.listen(engine, "rollback_savepoint", self._rollback_savepoint)

    def _execute(self, connection, _cursor, statement, _parameters, _context, _many):
        table = _content_write(statement)
        if table is not None:
            self.pending.setdefault(id(connection), []).append(table)

    def _commit(self, connection):
        self.committed += self.pending.pop(id(connection), [])

    def _rollback(self, connection):
        self.pending.pop(id(connection), None)

    def _savepoint(self, connection, name):
        self.savepoints[(id(connection), name)] = len(self.pending.get(id(connection), []))

    def _rollback_savepoint(self, connection, name, _context):
        mark = self.savepoints.pop((id(connection), name), 0)
        del self.pending.get(id(connection), [])[mark:]

    def take(self) -> list[str]:
        taken, self.committed = self.committed, []
        return taken


class Rows:
    """Whether a request changed content, which rows, and what they hold now."""

    def __init__(self, app):
        self.app = app
        self.tables = [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED_TABLES]
        self.models = {mapper.local_table.name: mapper.class_ for mapper in Base.registry.mappers}
        with app.app_context():
            self.writes = Writes(db.engine)
        self.last: dict | None = None
        # (table, key) → (the row as ``last`` held it, its text values): see stored_strings.
        self.unfolded: dict[tuple[str, tuple], tuple[tuple, list[str]]] = {}
        self.audit_seen = self._max_audit_id()

    def read(self, names) -> dict[str, dict[tuple, tuple]]:
        """The rows of the tables ``names``, raw (no type processing: only equality matters)."""
        with self.app.app_context(), db.engine.connect() as connection:
            state = {}
            for table in self.tables:
                if table.name not in names:
                    continue
                ignored = BOOKKEEPING.get(table.name, set())
                columns = [c.name for c in table.columns if c.name not in ignored]
                keys = [columns.index(c.name) for c in table.primary_key.columns]
                rows = connection.exec_driver_sql(
                    f"SELECT {', '.join(columns)} FROM {table.name}").fetchall()  # noqa: S608
                state[table.name] = {tuple(row[k] for k in keys): tuple(row) for row in rows}
            return state

    def before_request(self) -> None:
        """Bring ``last`` up to date with what was written since (only those tables are read)."""
        written = set(self.writes.take())
        if self.last is None:
            self.last = self.read({t.name for t in self.tables})
        elif written:
            self.last.update(self.read(written))

    def after_request(self) -> tuple[dict[str, list[tuple]], list[str]]:
        """(changed rows by table, tables written) by the request since ``before_request``."""
        written = sorted(set(self.writes.take()))
        if not written:
            return {}, []
        after = self.read(set(written))
        changes = self.changed({t: self.last.get(t, {}) for t in after}, after)
        self.last.update(after)
        return changes, written

    @staticmethod
    def changed(before, after) -> dict[str, list[tuple]]:
        """Primary keys of rows added, changed or removed, by table."""
        changes = {}
        for table, rows in after.items():
            old = before.get(table, {})
            keys = [k for k, row in rows.items() if old.get(k) != row]
            keys += [k for k in old if k not in rows]
            if keys:
                changes[table] = keys
        return changes

    def stored_strings(self, changes: dict[str, list[tuple]]) -> list[str]:
        """Every text value (decrypted, JSON unfolded) of the rows in ``changes`` as they are now.

        A row's values follow from its stored columns alone (its key is the associated data of
        its encrypted ones), so a row read as it is in ``last`` again gives the values it gave:
        those are taken from ``unfolded``, and only rows new or changed since are loaded (a
        table's bookkeeping columns, left out of ``last``, are read beside it for this)."""
        values: list[str] = []
        with self.app.app_context():
            for table, keys in changes.items():
                model = self.models.get(table)
                if model is None:
                    continue
                current = self.last.get(table, {})
                if table in BOOKKEEPING:
                    current = self._with_bookkeeping(table, current)
                load = []
                for key in keys:
                    raw = current.get(key)
                    kept = self.unfolded.get((table, key))
                    if raw is not None and kept is not None and kept[0] == raw:
                        values += kept[1]
                    else:
                        load.append(key)
                if load:
                    values += self._load_strings(model, table, load, current)
            db.session.rollback()
        return values

    def _with_bookkeeping(self, name: str, rows: dict) -> dict:
        """``rows`` of table ``name``, each with its bookkeeping columns as they are now."""
        table = next(t for t in self.tables if t.name == name)
        keys = [c.name for c in table.primary_key.columns]
        columns = keys + sorted(BOOKKEEPING[name])
        with db.engine.connect() as connection:
            now = {tuple(row[:len(keys)]): tuple(row[len(keys):]) for row in
                   connection.exec_driver_sql(
                       f"SELECT {', '.join(columns)} FROM {name}").fetchall()}  # noqa: S608
        return {key: (row, now.get(key)) for key, row in rows.items()}

    def _load_strings(self, model, table: str, keys: list[tuple], current: dict) -> list[str]:
        encrypted = [name for name in dir(model)
                     if isinstance(getattr(model, name, None), EncryptedField)]
        key_types = [c.type for c in model.__table__.primary_key.columns]
        values: list[str] = []
        for key in keys:
            ident = tuple(uuid.UUID(str(v)) if isinstance(t, sa.Uuid) else v
                          for v, t in zip(key, key_types, strict=True))
            row = db.session.get(model, ident[0] if len(ident) == 1 else ident)
            if row is None:
                continue
            strings: list[str] = []
            for column in model.__table__.columns:
                _unfold(getattr(row, column.key, None), strings)
            for name in encrypted:
                _unfold(getattr(row, name), strings)
            if key in current:
                self.unfolded[(table, key)] = (current[key], strings)
            values += strings
        return values

    def _max_audit_id(self) -> int:
        with self.app.app_context(), db.engine.connect() as connection:
            return connection.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM audit_event")).scalar()

    def new_audit_text(self) -> str:
        """The text of audit events written since the last call (they must hold no typed value)."""
        with self.app.app_context(), db.engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT id, action, subject_type, subject_id, detail, reason FROM audit_event "
                "WHERE id > :seen ORDER BY id"), {"seen": self.audit_seen}).all()
        if rows:
            self.audit_seen = rows[-1][0]
        return "\n".join(" ".join(str(v) for v in row[1:] if v is not None) for row in rows)


def _unfold(value, into: list[str]) -> None:
    if value is None or isinstance(value, (bool, int, float, bytes, uuid.UUID)):
        return
    if isinstance(value, str):
        into.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _unfold(item, into)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _unfold(item, into)
    else:
        into.append(str(value))
