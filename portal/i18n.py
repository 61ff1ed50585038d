"""Translations looked up once per request: the one gettext of templates, forms and services.

Code imports ``gettext as _``, ``lazy_gettext as _l`` and ``ngettext`` from here, with
Flask-Babel's meaning (``%(name)s`` filled from keywords). Flask-Babel's own functions find
the context, the domain, the locale and the catalogue again for every string, which was a
third of a page's time (a page shows 30 to 150 strings). Here the catalogue is found once per request and kept beside Flask-Babel's locale in ``g``
(a locale changed during the request, by ``refresh()`` or ``force_locale``, finds the new
one). Outside a request (jobs, the CLI) each string goes through Flask-Babel as before.

WTForms' own messages ("This field is required.", lengths, numbers) come from its catalogue,
read from disk once per process and language (``wtforms_messages``), never per request.
"""

from __future__ import annotations

from babel import support
from flask import Flask, g, has_request_context
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString
from wtforms.i18n import messages_path
from wtforms.meta import DefaultMeta

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


class WTFormsMessages:
    """WTForms' translations interface over its own catalogue in the request's language.

    Flask-WTF's (``WTF_I18N_ENABLED``) loads the catalogue from disk in every request that
    builds a form; here each language's is loaded once per process and kept.
    """

    def __init__(self):
        self._loaded: dict[str, support.NullTranslations] = {}

    def load(self, *locales: str) -> None:
        """Read these languages' catalogues now (at start), so no request waits for the disk."""
        for locale in locales:
            if locale not in self._loaded:  # each app built in this process calls this again
                self._loaded[locale] = support.Translations.load(
                    messages_path(), [locale], domain="wtforms")

    def _catalogue(self) -> support.NullTranslations:
        locale = str(get_locale() or "en") if has_request_context() else "en"
        found = self._loaded.get(locale)
        if found is None:
            found = self._loaded[locale] = support.Translations.load(
                messages_path(), [locale], domain="wtforms")
        return found

    def gettext(self, string: str) -> str:
        return self._catalogue().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalogue().ungettext(singular, plural, n)


wtforms_messages = WTFormsMessages()


def _wtforms_translations(_meta, _form) -> WTFormsMessages:
    return wtforms_messages


def init_app(app: Flask) -> None:
    """The templates' gettext family through ``translations`` (after Flask-Babel's init_app),
    and every form's WTForms messages through ``wtforms_messages``."""
    # FlaskForm's Meta falls back to DefaultMeta's with WTF_I18N_ENABLED off; sub-forms
    # (FormField) are plain WTForms forms with DefaultMeta: one hook serves both.
    from portal.services.language import LANGUAGES

    DefaultMeta.get_translations = _wtforms_translations
    wtforms_messages.load(*LANGUAGES)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
