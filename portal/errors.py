"""Plain-words error pages; htmx requests get the message in the flash region instead.

A 5xx first recovers the request's session (the failure may have been a lost connection),
then shows the crisis numbers and the quick exit. If the full page cannot be rendered (the
signed-in user cannot be loaded, say), a copy that needs no database is shown: an error
handler never raises. ``portal.last_resort`` covers whatever escapes Flask all the same.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app, render_template, request
from flask_babel import format_timedelta
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.db import db, is_unavailable
from portal.i18n import gettext as _
from portal.services import settings
from portal.services.errors import DomainError

log = logging.getLogger("portal.errors")
TO_FLASH = {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
# Regions that keep their message beside their own buttons, where the person is looking:
# an htmx request aimed at the key gets its error in the value instead of the page's flash.
STATUS_REGIONS = {"wizard": "#wizard-status"}


def _messages() -> dict[int, str]:
    return {
        400: _("Something in that request was not right. Please go back and try again."),
        403: _("This page is not available to your account."),
        404: _("We could not find that page."),
        405: _("That action is not available here."),
        413: _("That was more than we can accept at once. Please shorten it and try again."),
        429: _("Too many attempts in a short time. Please wait a minute and try again."),
        500: _("Something went wrong on our side. Nothing you entered has been shared. "
               "Please try again in a moment."),
        503: _("The portal is having trouble right now. Nothing you entered has been shared. "
               "Please try again in a few minutes."),
    }


def message_for(status: int) -> str:
    return _messages().get(status, _messages()[500])


def _render_plain(template: str, **context) -> str:
    """Render without context processors: no user is loaded, nothing asks the database."""
    return current_app.jinja_env.get_template(template).render(**context)


def plain_page(message: str, crisis: list | None = None) -> str:
    """The error page with an anonymous header, the crisis numbers and the quick exit."""
    return _render_plain("errors/fallback.html", message=message,
                         crisis=crisis or settings.DEFAULTS["crisis_resources"])


def flash_message(message: str) -> str:
    """The message alone, for an htmx request to swap into the flash region."""
    return _render_plain("errors/_message.html", message=message)


def render_error(status: int, message: str | None = None):
    """The portal's page for ``status`` (htmx: the message in the flash region); never raises."""
    message = message or message_for(status)
    if status >= 500:
        db.recover()
    if request.headers.get("HX-Request") == "true":
        region = STATUS_REGIONS.get(request.headers.get("HX-Target", ""))
        headers = {"HX-Retarget": region, "HX-Reswap": "innerHTML"} if region else TO_FLASH
        return flash_message(message), status, headers
    crisis = settings.get_or_default(db.engine, "crisis_resources") if status >= 500 else None
    try:
        return render_template("errors/error.html", message=message, crisis=crisis), status
    except Exception as error:  # the header's user, for one, comes from the database
        log.error("error page failed (%s); showing the plain one", type(error).__name__)
        db.recover()
        return plain_page(message, crisis), status


def _wait_of(error: RateLimitExceeded) -> str:
    """How long the limit that was hit lasts, in words ("1 minute", "1 hour")."""
    try:
        seconds = error.limit.limit.get_expiry()
    except AttributeError:
        seconds = 60
    return format_timedelta(timedelta(seconds=seconds), threshold=1.0, add_direction=False)


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(_error):
        return render_error(400, _("This form has expired or did not come from this site. "
                                   "Please reload the page and try again."))

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded):
        return render_error(429, _("You have tried this several times in a short while. Please "
                                   "wait %(wait)s and try again: nothing you typed is lost.",
                                   wait=_wait_of(error)))

    @app.errorhandler(DomainError)
    def domain_refused(error: DomainError):
        return render_error(error.status, str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # Flask wraps what escaped another handler or the response's processing in a 500.
        if is_unavailable(getattr(error, "original_exception", None)):
            return render_error(503)
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        # Log the type only: messages and tracebacks may carry values people typed.
        log.error("unhandled %s on %s", type(error).__name__, request.endpoint)
        return render_error(503 if is_unavailable(error) else 500)
