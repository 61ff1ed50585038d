"""Public pages rendered once per process for everyone who would see the very same page.

The landing page is the same for every visitor without a session: its words in their
language, and the settings it shows. ``render_shared`` keeps the rendered text under
everything it was made from: the template, the language, the address it was asked at (host,
path), whether htmx asked, and the context handed to it (the settings' current values,
serialised, so a changed setting is a new entry at once). It renders afresh, and keeps
nothing, whenever the page could differ between people: a signed-in user, a visitor with a
session (their flashed messages, their form token), a query string, or a page whose
rendering started a session (it made a CSRF token). Templates read again when they change
(``TEMPLATES_AUTO_RELOAD``, development) turn it off. Security headers and cookies are not
part of the text: every response still goes through the app's after-request hooks.

Only for pages whose text depends on nothing else: no time of day, no database read inside
the template.
"""

from __future__ import annotations

import json
import threading

from flask import current_app, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user

LIMIT = 64  # entries per process: a few languages and hosts; a flood of hosts only re-renders
_lock = threading.Lock()


def _shareable() -> bool:
    return (request.method == "GET" and not request.query_string and not session
            and not current_user.is_authenticated
            and not current_app.jinja_env.auto_reload)


def render_shared(template: str, **context) -> str:
    """``render_template(template, **context)``, from this process's copy when it is shared."""
    if not _shareable():
        return render_template(template, **context)
    key = (template, str(get_locale()), request.host_url, request.path,
           request.headers.get("HX-Request", ""), json.dumps(context, sort_keys=True))
    pages: dict = current_app.extensions.setdefault("shared_pages", {})
    text = pages.get(key)
    if text is not None:
        return text
    text = render_template(template, **context)
    if session or session.modified:  # the page made a token or read a flash: it was theirs
        return text
    with _lock:
        if len(pages) >= LIMIT:
            pages.clear()
        pages[key] = text
    return text
