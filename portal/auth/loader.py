"""Flask-Login hooks: load the user of a server-side session; send strangers to sign-in."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit, urlunsplit

from flask import redirect, request, session, url_for

from portal.db import db
from portal.htmx import redirect_for_htmx
from portal.models import User


def load_user(user_id: str) -> User | None:
    """The session's user, unless disabled, erased or signed out everywhere since."""
    try:
        user = db.session.get(User, uuid.UUID(user_id))
    except ValueError:
        return None
    if user is None or not user.is_active or session.get("_epoch") != user.session_epoch:
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
