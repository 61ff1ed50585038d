"""The one page-or-fragment rule and small htmx helpers."""

from __future__ import annotations

from flask import render_template, request
from htmx_flask import make_response


def wants_fragment() -> bool:
    """An htmx request that is neither boosted nor a history restore gets a fragment."""
    hx = getattr(request, "htmx", None)
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render_page_or_fragment(page: str, fragment: str, status: int = 200, **context):
    """Render the whole ``page`` normally, only ``fragment`` for htmx; the same data for both."""
    template = fragment if wants_fragment() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def redirect_for_htmx(location: str):
    """A redirect that works for htmx (HX-Redirect) and for a plain request (303)."""
    from flask import redirect

    if request.headers.get("HX-Request") == "true":
        response = make_response("", 204, redirect=location)
        return response
    return redirect(location, code=303)
