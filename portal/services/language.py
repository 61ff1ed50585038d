"""Which language a person reads the portal in: their choice, else their browser's, else English.

A choice is kept on the account for people who sign in (emails follow it too) and in a
``lang`` cookie for everyone else: a visitor who only reads gets no server session row.
"""

from __future__ import annotations

from portal.models import User

LANGUAGES = ("en", "fr")
DEFAULT = "en"
COOKIE = "lang"
COOKIE_SECONDS = 365 * 24 * 3600
# Each language's name written in itself: the switch offers the language you do not read now.
NAMES = {"en": "English", "fr": "Français"}


def known(code: str | None) -> str | None:
    """``code`` if it is one of the portal's languages, else None."""
    return code if code in LANGUAGES else None


def pick(account: str | None, cookie: str | None, accept) -> str:
    """The language to show: the account's choice, the cookie's, Accept-Language, English.

    ``accept`` is werkzeug's parsed Accept-Language header (``request.accept_languages``).
    """
    return known(account) or known(cookie) or _from_browser(accept) or DEFAULT


def _from_browser(accept) -> str | None:
    """The browser's most wanted language we have, by its main tag: "fr-CA" is French.

    (werkzeug's ``best_match`` would take a lower-weighted exact "en" over "fr-CA".)
    """
    for tag, quality in accept or ():
        code = known(tag.replace("_", "-").split("-")[0].lower())
        if code and quality > 0:
            return code
    return None


def shown(english: str | None, french: str | None, current: str) -> str:
    """An admin's text in the reader's language: its French version on French pages when one
    is given, else the English (the one every page falls back to)."""
    if current == "fr" and french and french.strip():
        return french
    return english or ""


def for_recipient(user: User | None) -> str:
    """The language an email to ``user`` is written in: theirs if they chose one, else English."""
    return known(user.language if user is not None else None) or DEFAULT


def choose(user: User | None, code: str) -> str | None:
    """Record ``code`` as the signed-in ``user``'s language; the code, or None if unknown."""
    code = known(code)
    if code is not None and user is not None:
        user.language = code
    return code
