"""Engine and the scoped session: one session per request or job, removed at teardown.

Worker horses are forked: a connection pool inherited across ``fork()`` corrupts
PostgreSQL connections (or hangs), so every child drops the parent's pool on fork.

A connection can die under a request (a restarted or failed-over database). Teardown never
raises because of it, and the scoped registry is always cleared, so the next request in
the thread starts with a fresh session instead of inheriting a broken one.
"""

from __future__ import annotations

import logging
import os
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from portal.security import files

log = logging.getLogger("portal.db")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL + synchronous=NORMAL writes ~3.5x faster than the default and lets readers
    # proceed while a writer commits (see PERFORMANCE.md).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> sa.Engine:
    """An engine that never echoes bound values (they may hold plaintext) into errors or logs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    options: dict = {"hide_parameters": True, "future": True}
    if url.startswith("sqlite"):
        files.private_sqlite(url)
        options["connect_args"] = {"timeout": 10, "check_same_thread": False}
    else:
        options.update(pool_pre_ping=True, pool_size=5, max_overflow=5)
    engine = sa.create_engine(url, **options)
    if url.startswith("sqlite"):
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def is_disconnect(error: BaseException | None) -> bool:
    """The database connection was lost (SQLAlchemy has invalidated it)."""
    return isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated


def is_unavailable(error: BaseException | None) -> bool:
    """The database cannot answer right now: lost, refused, or no connection free in the pool."""
    return is_disconnect(error) or isinstance(error, (sa.exc.OperationalError, sa.exc.TimeoutError))


class Database:
    """Holds the engine and the scoped session factory for one process."""

    def __init__(self) -> None:
        self.engine: sa.Engine | None = None
        self.session: scoped_session[Session] = scoped_session(
            sessionmaker(expire_on_commit=False, autoflush=True)
        )
        os.register_at_fork(after_in_child=self._forget_parent_pool)

    def init_app(self, app) -> None:
        if self.engine is not None:
            self.session.remove()
            self.engine.dispose()
        self.engine = make_engine(app.config["DATABASE_URL"])
        self.session.configure(bind=self.engine)
        app.teardown_appcontext(self._remove_session)
        app.extensions["database"] = self

    def _remove_session(self, _exc=None) -> None:
        try:
            self.session.remove()
        except Exception as error:  # typically a rollback on a connection that died meanwhile
            # The type only: a driver's message can quote values.
            log.warning("closing the session failed (%s); its connection is dropped",
                        type(error).__name__)
            self._discard()

    def recover(self) -> None:
        """Make the request's session usable again after a failure, a dead connection included."""
        try:
            self.session.rollback()
        except Exception as error:
            log.warning("rollback failed (%s); the session is dropped", type(error).__name__)
            self._discard()

    def _discard(self) -> None:
        """Invalidate the session's connections and forget the session, whatever happens."""
        try:
            if self.session.registry.has():
                self.session.registry().invalidate()
        except Exception as error:
            log.warning("invalidating the session failed (%s)", type(error).__name__)
        finally:
            self.session.registry.clear()

    def _forget_parent_pool(self) -> None:
        if self.engine is not None:
            self.engine.dispose(close=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine is not None and self.engine.dialect.name == "sqlite"


db = Database()


def add_one(session: Session, counter: sa.Table) -> None:
    """Add one to a one-row version counter (``id`` 1) in this transaction, creating it at 1.

    Core on the table, on the session's connection: callable inside a flush (no autoflush),
    and the row's lock orders concurrent writers until the commit.
    """
    conn = session.connection()
    if not conn.execute(counter.update().where(counter.c.id == 1)
                        .values(version=counter.c.version + 1)).rowcount:
        conn.execute(counter.insert().values(id=1, version=1))


def raw_rows(session: Session, select: sa.Select) -> list:
    """The rows of ``select`` as the driver returns them: no conversion of any value.

    For the few queries that read thousands of rows per job (the pool, stored suggestions);
    ``uuid_text`` turns the driver's UUIDs into the ORM's text.
    """
    conn = session.connection()
    sql = select.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    return conn.exec_driver_sql(str(sql)).all()


def uuid_text(value) -> str:
    """A UUID as the ORM shows it, from the driver's value (PostgreSQL: a UUID; SQLite: hex)."""
    if isinstance(value, str) and len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(uuid.UUID(str(value)))
