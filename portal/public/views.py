"""Public pages."""

from flask import render_template

from portal.public import bp
from portal.security.permissions import public


@bp.get("/")
@public
def index():
    """The landing page: what peer support is, and how to ask for it."""
    return render_template("public/index.html")
