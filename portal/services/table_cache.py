"""One table read whole and kept per process for a few seconds, dropped by any write of it.

Settings and the program's lists are read on nearly every page and change rarely. A write of
the model in this process drops the copy at its flush, and again at the commit or rollback
(a reader in between may have kept what the transaction had not yet committed, or then rolled
back); another process sees a change within the seconds given.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session


class TableCache:
    """``load(session)``'s result per database engine, for ``seconds()`` (read at each use)."""

    def __init__(self, model: type, load: Callable[[Session], object],
                 seconds: Callable[[], float]):
        self.model, self._load, self._seconds = model, load, seconds
        self._lock = threading.Lock()
        self._kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine → (at, value)
        self._written = f"{model.__tablename__}_written"
        sa.event.listen(Session, "after_flush", self._note_writes)
        sa.event.listen(Session, "after_commit", self._end_of_writes)
        sa.event.listen(Session, "after_rollback", self._end_of_writes)

    def forget(self) -> None:
        """Read the table afresh next time."""
        with self._lock:
            self._kept.clear()

    def get(self, session: Session):
        engine, now = session.get_bind(), time.monotonic()
        with self._lock:
            hit = self._kept.get(engine)
        if hit is not None and now - hit[0] < self._seconds():
            return hit[1]
        value = self._load(session)
        with self._lock:
            self._kept[engine] = (now, value)
        return value

    def _note_writes(self, session: Session, _context) -> None:
        if any(isinstance(obj, self.model)
               for obj in (*session.new, *session.dirty, *session.deleted)):
            session.info[self._written] = True
            self.forget()

    def _end_of_writes(self, session: Session) -> None:
        if session.info.pop(self._written, False):
            self.forget()
