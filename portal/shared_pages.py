"""Pages rendered once per process for everyone who would see the very same page.

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

``render_blank_form`` does the same for a form nobody has typed in yet (a request's step seen
for the first time): the same for everyone but for the visitor's CSRF token, which is taken
out of the kept text and the visitor's own put back in each time. The form's shape (its
fields, labels, choices and starting values) is part of the key, so a changed program list
is a new entry. Nothing anybody typed is ever kept: a form with entries renders as usual.

``render_kept`` keeps a signed-in page (the coordinator's Today) the same way, under a
version that its caller reads before anything else, counted in the same transaction as every
change the page shows (``services/today_version``), until the moment its render says the
clock alone changes something it shows (a first contact becoming overdue, say); a new
version drops every page kept under the old one. A person with a message waiting gets the
page afresh. Its relative times (``time_since``, ``time_until``: "waiting 3 days") are kept
as slots holding the moment and filled in for the time of each view (the filled text kept
for the second), so the kept text does not depend on the minute.
Views that miss at once (a burst right after a change) share one render: the others wait
for it under a lock of that page and version.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from datetime import datetime, timedelta

from flask import current_app, g, render_template, request, session
from flask_babel import format_timedelta, get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

LIMIT = 64  # entries per process: a few languages and hosts; a flood of hosts only re-renders
_lock = threading.Lock()
_rendering: dict[str, tuple] = {}  # a kept page's name → (its version, a render lock per page)
_TOKEN_SLOT = f"csrf-slot-{secrets.token_hex(16)}"  # where the kept form's token goes back in
_TIME_SLOT = f"time-slot-{secrets.token_hex(16)}"  # a relative time, filled in at each view
_TIMES = re.compile(re.escape(_TIME_SLOT) + r":([su]):(-?[0-9.]+):([0-9.]+):")
_SLOTTED = "kept_page_time_slots"  # in ``g`` while a kept page renders


def _in_words(seconds: float, threshold: float) -> str:
    return format_timedelta(timedelta(seconds=seconds), threshold=threshold)


def _time_words(kind: str, moment: datetime, threshold: float, now: datetime | None) -> str:
    if g.get(_SLOTTED):
        return f"{_TIME_SLOT}:{kind}:{moment.timestamp()!r}:{threshold!r}:"
    from portal.models import utcnow

    since = ((now or utcnow()) - moment).total_seconds()
    return _in_words(since if kind == "s" else -since, threshold)


def time_since(moment: datetime, threshold: float = 2, now: datetime | None = None) -> str:
    """How long ago ``moment`` was, in words ("3 days"); in a kept page, as of each view."""
    return _time_words("s", moment, threshold, now)


def time_until(moment: datetime, threshold: float = 2, now: datetime | None = None) -> str:
    """How long until ``moment``, in words ("5 hours"); in a kept page, as of each view."""
    return _time_words("u", moment, threshold, now)


def _fill_times(text: str, now: datetime) -> str:
    at = now.timestamp()

    def words(found) -> str:
        moment, threshold = float(found.group(2)), float(found.group(3))
        return str(escape(_in_words(at - moment if found.group(1) == "s" else moment - at,
                                    threshold)))  # into HTML, as the template would

    return _TIMES.sub(words, text)


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
    text = current_app.extensions.get("shared_pages", {}).get(key)
    if text is not None:
        return text
    text = render_template(template, **context)
    if session or session.modified:  # the page made a token or read a flash: it was theirs
        return text
    _keep("shared_pages", key, text)
    return text


def _keep(name: str, key: tuple, text: str) -> None:
    kept: dict = current_app.extensions.setdefault(name, {})
    with _lock:
        if len(kept) >= LIMIT:
            kept.clear()
        kept[key] = text


def _words(label):
    """A label as part of a key: plain text as it is (the program's own lists, from the
    database); a translated label (lazy) is fixed by the language already in the key, so it
    is not translated here. A lazy label must depend on nothing but the language."""
    return label if isinstance(label, str) else None


def form_shape(form) -> tuple:
    """What a form renders from: each field's name, kind, label, choices and starting value."""
    return tuple((field.name, field.type, _words(field.label.text), repr(field.data),
                  tuple((str(c.value), _words(c.label))
                        for c in getattr(field, "choices", None) or ()))
                 for field in form)


def _known_shape(key: tuple, language: str, tables: object):
    """The shape of the form last built under ``key`` in ``language``, while ``tables`` (the
    program's lists as read now: the same object until they are read again) is what it was
    built from; else None."""
    known = current_app.extensions.get("blank_form_shapes", {}).get((key, language))
    return known[1] if known is not None and known[0] is tables else None


def render_blank_form(template: str, build, key: tuple, tables: object, **context) -> str:
    """``render_template(template, form=build(), **context)`` for an untouched form, kept per
    process under ``key`` (everything else it shows), the language, the address and the form's
    shape, with this visitor's CSRF token put in. The shape is remembered under ``key`` and the
    language while ``tables`` stays the same object, so a kept page is found without building
    the form (``tables`` must be all the form's shape reads besides the language)."""
    if current_app.jinja_env.auto_reload:
        return render_template(template, form=build(), **context)
    token, language, form = generate_csrf(), str(get_locale()), None
    shape = _known_shape(key, language, tables)
    if shape is None:
        form = build()
        shape = form_shape(form)
        _keep("blank_form_shapes", (key, language), (tables, shape))
    full_key = (template, language, request.host_url, key, shape)
    text = current_app.extensions.get("shared_forms", {}).get(full_key)
    if text is not None:
        return text.replace(_TOKEN_SLOT, token)
    form = form or build()
    text = render_template(template, form=form, **context)
    if form.errors:
        return text
    _keep("shared_forms", full_key, text.replace(token, _TOKEN_SLOT))
    return text


def _kept(name: str, version: tuple, key: tuple, now: datetime):
    kept_version, pages = current_app.extensions.get(name, (None, {}))
    kept = pages.get(key) if kept_version == version else None
    return None if kept is None or (kept[1] is not None and now >= kept[1]) else kept


def _render_lock(name: str, version: tuple, key: tuple) -> threading.Lock:
    """The lock of one page's render under ``version`` (an older version's locks are dropped:
    nobody renders under it any more)."""
    with _lock:
        locks = _rendering.get(name)
        if locks is None or locks[0] != version or len(locks[1]) >= LIMIT:
            locks = _rendering[name] = (version, {})
        return locks[1].setdefault(key, threading.Lock())


def _render_kept(name: str, version: tuple, key: tuple, render, token: str) -> tuple:
    g.setdefault(_SLOTTED, True)
    try:
        text, until = render()
    finally:
        g.pop(_SLOTTED, None)
    kept = (text.replace(token, _TOKEN_SLOT), until, None, "")
    with _lock:
        kept_version, pages = current_app.extensions.get(name, (None, {}))
        if kept_version != version or len(pages) >= LIMIT:
            pages = {}  # what was kept under an older version goes at once
            current_app.extensions[name] = (version, pages)
        pages[key] = kept
    return kept


def render_kept(name: str, version: tuple, render, now: datetime) -> str:
    """The text of ``render()``, a page the same for everyone under ``version`` but for the
    CSRF token and its relative times; ``render`` returns (text, the first moment after which
    the clock alone changes it, or None). Kept per process until that moment, with the token
    taken out (this person's own put back in) and the times filled in as of ``now``."""
    if current_app.jinja_env.auto_reload or "_flashes" in session:
        return render()[0]
    token = generate_csrf()
    key = (str(get_locale()), request.host_url, request.full_path)
    kept = _kept(name, version, key, now)
    if kept is None:
        # One render per page and version: the threads that miss at once (a burst of views
        # right after a change) wait for it instead of each rendering the same page.
        with _render_lock(name, version, key):
            kept = _kept(name, version, key, now)
            if kept is None:
                kept = _render_kept(name, version, key, render, token)
    second = now.replace(microsecond=0)
    if kept[2] != second:  # the times as of this second, kept for it
        kept = (*kept[:2], second, _fill_times(kept[0], second))
        with _lock:
            if current_app.extensions.get(name, (None, {}))[0] == version:
                current_app.extensions[name][1][key] = kept
    return kept[3].replace(_TOKEN_SLOT, token)
