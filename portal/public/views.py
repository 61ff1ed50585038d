"""Public pages: the front door, how privacy is kept, and the choice of language."""

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth.loader import safe_next
from portal.db import db
from portal.extensions import csrf
from portal.public import bp
from portal.security.permissions import public
from portal.services import language as languages
from portal.services import settings
from portal.shared_pages import render_shared


@bp.get("/")
@public
def index():
    """The landing page: what peer support is and is not, and how to ask for it."""
    return render_shared("public/index.html",
                         crisis=settings.get(db.session, "crisis_resources"),
                         contact=settings.get(db.session, "program_contact"),
                         contact_fr=settings.get(db.session, "program_contact_fr"))


@bp.get("/privacy")
@public
def privacy():
    """What is kept, who sees it, for how long, and how to delete it."""
    return render_template("public/privacy.html",
                           retention_months=settings.get(db.session, "retention_months"),
                           contact=settings.get(db.session, "program_contact"),
                           contact_fr=settings.get(db.session, "program_contact_fr"))


@bp.post("/language")
@csrf.exempt  # a preference only: a forged one switches the language shown, never data
@public
def language():
    """Show the portal in the chosen language from now on, back on the page it was chosen on."""
    user = current_user if current_user.is_authenticated else None
    code = languages.choose(user, request.form.get("lang", "")[:8])
    if code and user is not None:
        db.session.commit()
    response = redirect(safe_next(request.form.get("next")) or url_for("public.index"), 303)
    if code:  # a cookie, not the session: a visitor who only reads gets no session row
        response.set_cookie(languages.COOKIE, code, max_age=languages.COOKIE_SECONDS,
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True,
                            samesite="Lax")
    return response
