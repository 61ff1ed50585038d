"""Translations looked up once per request: the one gettext of templates, forms and services.

Code imports ``gettext as _``, ``lazy_gettext as _l`` and ``ngettext`` from here, with
Flask-Babel's meaning (``%(name)s`` filled from keywords). Flask-Babel's own functions find
the context, the domain, the locale and the catalogue again for every string, which was a
third of a page's time (a page shows 30 to 150 strings). Here the catalogue is found once per request and kept beside Flask-Babel's locale in ``g``
(a locale changed during the request, by ``refresh()`` or ``force_locale``, finds the new
one). Outside a request (jobs, the CLI) each string goes through Flask-Babel as before.
"""

from __future__ import annotations

from flask import Flask, g, has_request_context
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString

_KEY = "portal_translations"


def translations():
    """This request's catalogue: Flask-Babel's, found again only when the locale changes."""
    if not has_request_context():
        return get_translations()
    # Beside Flask-Babel's own locale in ``g``: a refresh() or force_locale() replaces that
    # locale, and so finds the catalogue again.
    babel = g.get("_flask_babel")
    found = getattr(babel, _KEY, None)
    if found is None or found[0] is not getattr(babel, "babel_locale", None):
        found = (get_locale(), get_translations())
        setattr(g._flask_babel, _KEY, found)
    return found[1]


def gettext(text: str, **variables) -> str:
    """``text`` in this request's language, ``%(name)s`` filled from ``variables``."""
    found = translations().ugettext(text)
    return found % variables if variables else found


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """The form for ``num`` (available as ``%(num)d``), filled from ``variables``."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def lazy_gettext(text: str, **variables) -> LazyString:
    """``gettext`` when the string is shown (labels and messages defined at import time)."""
    return LazyString(gettext, text, **variables)


def init_app(app: Flask) -> None:
    """The templates' gettext family through ``translations`` (after Flask-Babel's init_app)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
