"""Flask-Login hooks: load the user of a server-side session; send strangers to sign-in."""

from __future__ import annotations

import uuid

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
    """Only a path on this site, never another host (open-redirect guard)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def unauthorized():
    """Anonymous visitors go to sign-in; htmx requests get HX-Redirect, not a swapped login page."""
    target = url_for("auth.login", next=request.full_path.rstrip("?"))
    if request.headers.get("HX-Request") == "true":
        return redirect_for_htmx(target)
    return redirect(target, code=303)
