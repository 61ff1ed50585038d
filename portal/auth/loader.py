"""Flask-Login hooks: load the user of a server-side session; send strangers to sign-in."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from flask import redirect, request, session, url_for

from portal.db import db
from portal.htmx import redirect_for_htmx
from portal.models import User

_IDENTITY = sa.select(User.role, User.is_enabled, User.erased_at, User.session_epoch,
                      User.language).where(User.id == sa.bindparam("id"))


class SignedIn:
    """The signed-in user of this request: the columns every request needs, read in one Core
    statement, and the account row itself (through the ORM) only when something asks for more.

    Made afresh by every request's loader, so nothing outlives a role change or a sign-out.
    Any other attribute is the account's (read, or written, there); once the account is loaded
    every attribute is read from it, so a change made to it in this request is seen here too.
    """

    _own = frozenset({"role", "is_enabled", "erased_at", "session_epoch", "language"})

    def __init__(self, user_id: uuid.UUID, row) -> None:
        object.__setattr__(self, "id", user_id)
        object.__setattr__(self, "_row", row._asdict())
        object.__setattr__(self, "_account", None)

    @property
    def account(self) -> User:
        """The user's row as an ORM object (loaded on first use, then this request's)."""
        if self._account is None:
            object.__setattr__(self, "_account", db.session.get(User, self.id))
        return self._account

    def __getattr__(self, name: str):
        if name in SignedIn._own and self._account is None:
            return self._row[name]
        return getattr(self.account, name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self.account, name, value)

    def __eq__(self, other) -> bool:
        return isinstance(other, (SignedIn, User)) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"<SignedIn {self.id} {self._row['role']}>"

    # Flask-Login's protocol and the role check, exactly as User has them.
    is_active = property(lambda self: User.is_active.fget(self))
    is_authenticated = True
    is_anonymous = False
    get_id = User.get_id
    has_role = User.has_role


def load_user(user_id: str) -> SignedIn | None:
    """The session's user, unless disabled, erased or signed out everywhere since."""
    try:
        key = uuid.UUID(user_id)
    except ValueError:
        return None
    row = db.session.connection().execute(_IDENTITY, {"id": key}).first()
    if row is None:
        return None
    user = SignedIn(key, row)
    if not user.is_active or session.get("_epoch") != user.session_epoch:
        return None
    return user


def safe_next(target: str | None) -> str | None:
    r"""``target`` if it is a path on this site, else None (the open-redirect guard).

    Decided by parsing, as a browser would read it: browsers drop tabs and newlines from a
    URL and read a backslash as a slash, so "/\t/evil.example" and "/\\evil.example" both
    lead away. Any control character, space or backslash refuses the value outright; what
    is left must parse with no scheme and no host, and its path must start with one "/".
    """
    if not target or len(target) > 2000 or target.startswith("//"):
        return None
    if any(ch in target for ch in "\\ ") or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not parts.path.startswith("/") \
            or parts.path.startswith("//"):
        return None
    return urlunsplit(("", "", parts.path, parts.query, parts.fragment))


def unauthorized():
    """Anonymous visitors go to sign-in; htmx requests get HX-Redirect, not a swapped login page."""
    target = url_for("auth.login", next=request.full_path.rstrip("?"))
    if request.headers.get("HX-Request") == "true":
        return redirect_for_htmx(target)
    return redirect(target, code=303)
