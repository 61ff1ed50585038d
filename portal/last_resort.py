"""The last resort: an exception that escapes Flask still gets the portal's page, not the server's.

The page is rendered once, when the app is built, with the default crisis numbers: answering
needs nothing that could be failing by then (no database, no template, no request context).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from flask import Flask, Response

from portal import errors
from portal.security import headers

log = logging.getLogger("portal.last_resort")


@dataclass(frozen=True)
class Prepared:
    """A whole response, ready for start_response."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes


def _prepare(body: str, status: int, extra: dict | None = None) -> Prepared:
    response = headers.apply(Response(body, status, headers=extra, mimetype="text/html"))
    return Prepared(response.status, response.headers.to_wsgi_list(), response.get_data())


class HeldStart:
    """start_response, held back until the app returns, so that a failure can still replace it.

    Flask calls start_response before its teardown runs; replacing headers the server already
    has is unreliable (gunicorn appends to them, Werkzeug's test client re-raises).
    """

    def __init__(self, start_response):
        self.start_response = start_response
        self.pending = None
        self.sent = False
        self._write = None

    def __call__(self, status, response_headers, exc_info=None):
        if self.sent:  # the app already wrote: only the server can decide now
            return self.start_response(status, response_headers, exc_info)
        self.pending = (status, response_headers)
        return self.write

    def write(self, data: bytes) -> None:
        self.release()
        self._write(data)

    def release(self) -> None:
        if not self.sent and self.pending is not None:
            self._write = self.start_response(*self.pending)
            self.sent = True

    def replace(self, answer: Prepared, exc_info) -> None:
        # Once headers are with the server, exc_info lets it replace them, or re-raise if
        # they are already on the wire (PEP 3333).
        self.start_response(answer.status, answer.headers, exc_info if self.sent else None)


class LastResort:
    """WSGI middleware around the whole app."""

    def __init__(self, app: Flask):
        self.wsgi_app = app.wsgi_app
        with app.test_request_context():
            message = errors.message_for(500)
            self.page = _prepare(errors.plain_page(message), 500)
            self.fragment = _prepare(errors.flash_message(message), 500, errors.TO_FLASH)

    def __call__(self, environ, start_response):
        held = HeldStart(start_response)
        try:
            body = self.wsgi_app(environ, held)
        except Exception as error:
            log.error("%s escaped the app; answered with the portal's page", type(error).__name__)
            answer = self.fragment if environ.get("HTTP_HX_REQUEST") == "true" else self.page
            held.replace(answer, sys.exc_info())
            return [answer.body]
        held.release()
        return body
