"""Server-side sessions in the database: revocable, renewed at sign-in, ended at sign-out.

The cookie holds a random 256-bit token; the table holds its SHA-256 and the session data,
encrypted (a half-finished intake lives here until it is submitted or abandoned).
Sessions end after an idle period (shorter for staff) and an absolute lifetime.

A lost connection is tried once more. A session that still cannot be read makes the request
a 503 (never a signed-out visitor); one that cannot be written lets the response through.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import uuid
from datetime import timedelta

import flask
import sqlalchemy as sa
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy.orm import Session
from werkzeug.datastructures import CallbackDict
from werkzeug.exceptions import ServiceUnavailable

from portal.db import db, is_disconnect
from portal.models import ServerSession, utcnow

TOUCH_EVERY = timedelta(seconds=60)
_TABLE = ServerSession.__table__
_UPDATE = _TABLE.update()
_READ = sa.select(ServerSession.data_ct, ServerSession.expires_at, ServerSession.last_seen_at
                  ).where(ServerSession.id == sa.bindparam("id"))
log = logging.getLogger("portal.sessions")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DatabaseSession(CallbackDict, SessionMixin):
    """A dict that remembers whether it changed, plus what should happen to its row."""

    def __init__(self, initial=None, token: str | None = None, row_seen=None,
                 unavailable: bool = False, stored: str | None = None):
        super().__init__(initial or {}, on_update=self._changed)
        self.token = token
        self.row_seen = row_seen
        # The row's data as read (JSON): a change that leaves it the same is not written again.
        self.stored = stored
        self.modified = False
        self.renew = False
        self.ended = False
        self.passive = False
        # The store could not be read: nobody is known, and nothing may be written back.
        self.unavailable = unavailable

    def _changed(self, _self) -> None:
        self.modified = True

    def regenerate(self) -> None:
        """Give the session a new id (at sign-in), keeping its data."""
        self.renew = True
        self.modified = True

    def keep_idle(self) -> None:
        """This request was made by the page, not the person (a badge poll): the idle clock runs on."""
        self.passive = True

    def end(self) -> None:
        """Forget everything and delete the row (sign-out)."""
        self.clear()
        self.ended = True


def _twice_on_disconnect(work):
    """``work()``, once more if the connection dropped (the pool then hands out a live one)."""
    try:
        return work()
    except sa.exc.DBAPIError as error:
        if not is_disconnect(error):
            raise
        log.warning("session store connection lost (%s); trying once more",
                    type(error).__name__)
    return work()


def refuse_unavailable() -> None:
    """Before each request: without its session nobody can be recognised, so say so (503)."""
    if getattr(flask.session, "unavailable", False) and flask.request.endpoint != "static":
        raise ServiceUnavailable()


class DatabaseSessionInterface(SessionInterface):
    def _idle_limit(self, app, data: dict) -> timedelta:
        minutes = app.config["STAFF_SESSION_IDLE_MINUTES"] if data.get("_staff") else \
            app.config["SESSION_IDLE_MINUTES"]
        return timedelta(minutes=minutes)

    def open_session(self, app, request):
        token = request.cookies.get(self.get_cookie_name(app))
        if not token or len(token) > 100:
            return DatabaseSession()
        try:
            return _twice_on_disconnect(lambda: self._load(app, token))
        except sa.exc.SQLAlchemyError as error:
            # Not "signed out": the person may be signed in, with a draft we cannot see.
            log.warning("session store unavailable (%s)", type(error).__name__)
            return DatabaseSession(unavailable=True)

    def _load(self, app, token: str) -> DatabaseSession:
        key = _hash(token)
        # Three columns on a plain connection: every signed-in request reads its session first.
        with db.engine.connect() as connection:
            row = connection.execute(_READ, {"id": key}).first()
            if row is None:
                return DatabaseSession()
            text = ServerSession.data.read(ServerSession, key, row.data_ct) or "{}"
            data = json.loads(text)
            now = utcnow()
            if row.expires_at <= now or row.last_seen_at + self._idle_limit(app, data) <= now:
                connection.execute(sa.delete(ServerSession).where(ServerSession.id == key))
                connection.commit()
                return DatabaseSession()
            return DatabaseSession(data, token=token, row_seen=row.last_seen_at, stored=text)

    def save_session(self, app, session: DatabaseSession, response) -> None:
        if session.unavailable:
            return  # nothing was read, so nothing may be overwritten
        if session.token is None and not session:
            return  # no row and nothing to keep (a visitor who only reads): no store, no cookie
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        fresh: list[str] = []  # one new token for both tries: a retry rewrites its row

        def new_token() -> str:
            if not fresh:
                fresh.append(secrets.token_urlsafe(32))
            return fresh[0]

        try:
            cookie = _twice_on_disconnect(lambda: self._store(app, session, new_token))
        except sa.exc.SQLAlchemyError as error:
            # The response still goes out (a request already committed must not become a 500):
            # the person is simply not kept signed in, and the old row is left as it was.
            log.warning("session not saved (%s)", type(error).__name__)
            cookie = "" if session.ended else None  # a sign-out still forgets the cookie
        if cookie == "":
            response.delete_cookie(name, domain=domain, path=path)
        elif cookie is not None:
            session.token = cookie
            response.vary.add("Cookie")
            response.set_cookie(
                name, cookie, httponly=True, path=path, domain=domain,
                secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app),
            )

    def _store(self, app, session: DatabaseSession, new_token) -> str | None:
        """Write the session's row; the token the cookie should carry ("" to delete, None to keep).

        Changes nothing on ``session`` itself, so that it can run again after a lost connection.
        Core statements on a connection of its own, committed at once: the row is nobody
        else's business, so no ORM session, and none of its flush hooks, is involved.
        """
        token = session.token
        replaced = token and (session.ended or session.renew or not session)
        if not replaced and not (session and (self._changed(session, token)
                                              or self._due_for_touch(session))):
            return None  # nothing to delete, nothing new to keep: no store opened
        with db.engine.begin() as connection:
            if replaced:
                connection.execute(_TABLE.delete().where(_TABLE.c.id == _hash(token)))
                if session.ended or not session:
                    return "" if session.ended or session.modified else None
                token = None
            token = token or new_token()
            self._write(app, connection, session, token)
        return token
    @staticmethod
    def _changed(session: DatabaseSession, token: str | None) -> bool:
        """Whether the row would hold other data than it does (a new row always does)."""
        if not session.modified:
            return False
        return token is None or session.stored is None or json.dumps(dict(session)) != session.stored

    @staticmethod
    def _due_for_touch(session: DatabaseSession) -> bool:
        if session.passive:
            return False
        return session.row_seen is not None and utcnow() - session.row_seen >= TOUCH_EVERY

    def _write(self, app, connection, session: DatabaseSession, token: str) -> None:
        now = utcnow()
        data = dict(session)
        key = _hash(token)
        columns = {"user_id": uuid.UUID(data["_user_id"]) if data.get("_user_id") else None,
                   "user_epoch": data.get("_epoch", 0), "last_seen_at": now,
                   "data_ct": ServerSession.data.seal(ServerSession, key, json.dumps(data))}
        # The row this request read is updated in place, without reading it a second time;
        # a new token, or a row gone meanwhile, gets a row of its own.
        if token == session.token and connection.execute(
                _UPDATE.where(_TABLE.c.id == key).values(**columns)).rowcount:
            return
        lifetime = timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
        connection.execute(_TABLE.insert().values(id=key, created_at=now,
                                                  expires_at=now + lifetime, **columns))


def purge_expired(store: Session, app) -> int:
    """Delete sessions past their absolute lifetime or idle longer than the longest idle limit."""
    now = utcnow()
    idle = timedelta(minutes=max(app.config["SESSION_IDLE_MINUTES"],
                                 app.config["STAFF_SESSION_IDLE_MINUTES"]))
    result = store.execute(
        sa.delete(ServerSession).where(
            (ServerSession.expires_at <= now) | (ServerSession.last_seen_at <= now - idle)
        )
    )
    return result.rowcount or 0
