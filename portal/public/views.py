"""Public pages: the front door and how privacy is kept."""

from flask import render_template

from portal.db import db
from portal.public import bp
from portal.security.permissions import public
from portal.services import settings


@bp.get("/")
@public
def index():
    """The landing page: what peer support is and is not, and how to ask for it."""
    return render_template("public/index.html",
                           crisis=settings.get(db.session, "crisis_resources"),
                           contact=settings.get(db.session, "program_contact"))


@bp.get("/privacy")
@public
def privacy():
    """What is kept, who sees it, for how long, and how to delete it."""
    return render_template("public/privacy.html",
                           retention_months=settings.get(db.session, "retention_months"),
                           contact=settings.get(db.session, "program_contact"))
