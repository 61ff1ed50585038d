"""Plain-words error pages; htmx requests get the message in the flash region instead."""

from __future__ import annotations

import logging

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.services.errors import DomainError

log = logging.getLogger("portal.errors")


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
    }


def render_error(status: int, message: str | None = None):
    message = message or _messages().get(status, _messages()[500])
    if request.headers.get("HX-Request") == "true":
        response = render_template("errors/_message.html", message=message), status
        return response[0], status, {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
    return render_template("errors/error.html", message=message, status=status), status


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(_error):
        return render_error(400, _("This form has expired or did not come from this site. "
                                   "Please reload the page and try again."))

    @app.errorhandler(DomainError)
    def domain_refused(error: DomainError):
        return render_error(error.status, str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        # Log the type only: messages and tracebacks may carry values people typed.
        log.error("unhandled %s on %s", type(error).__name__, request.endpoint)
        return render_error(500)
