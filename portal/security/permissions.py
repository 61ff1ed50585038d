"""The one permission check every view goes through.

``@requires_role(...)`` answers an anonymous visitor with the sign-in page (an htmx request
gets ``HX-Redirect``) and a wrong role with 403, and records the denial. ``@public`` marks
the few views anyone may open. A test walks the URL map: a view with neither fails CI.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, request
from flask_login import current_user

from portal.db import db
from portal.extensions import login_manager
from portal.security import audit


def public(view):
    """Anyone may open this view."""
    view.access = "public"
    return view


def requires_role(*roles: str):
    """Only a signed-in user with one of ``roles`` (admins count as coordinators)."""

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                audit.record(db.session, actor=current_user, action="authz_denied",
                             subject_type="endpoint", detail=(request.endpoint or "")[:64],
                             ip=request.remote_addr)
                db.session.commit()
                abort(403)
            return view(*args, **kwargs)

        guarded.access = tuple(roles)
        return guarded

    return decorator


def signed_in(view):
    """Any signed-in user, whatever the role (e.g. their own notifications)."""
    return requires_role("participant", "volunteer", "coordinator")(view)
