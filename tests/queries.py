"""Counting the SQL statements a piece of work sends, to pin "a constant number of queries"."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa


@contextlib.contextmanager
def count_statements(engine: sa.Engine, parameters: bool = False):
    """``with count_statements(db.engine) as seen:`` … ``len(seen)`` statements, texts in order
    (with ``parameters``, ``(text, parameters)`` pairs)."""
    seen: list = []

    def note(_conn, _cursor, statement, sent, _context, _many):
        seen.append((statement, sent) if parameters else statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
