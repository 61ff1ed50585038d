"""Joining from an invitation: the link is checked, a password chosen, the account made."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from portal.db import db
from portal.i18n import gettext as _
from portal.security.permissions import public
from portal.services import invitations
from portal.volunteer import invitation_bp
from portal.volunteer.forms import JoinForm


@invitation_bp.route("/<token>", methods=["GET", "POST"])
@public
def join(token: str):
    """Anyone holding a valid link may use it once; a bad link gets a plain explanation."""
    invitations.open_invitation(db.session, token)
    form = JoinForm()
    if form.validate_on_submit():
        user = invitations.accept(db.session, token, password=form.password.data)
        db.session.commit()
        if user.role.is_staff:
            flash(_("Welcome! Your account is ready. Please sign in: you will set up your second "
                    "sign-in step first."))
            return redirect(url_for("auth.login"), code=303)
        flash(_("Welcome! Your account is ready. Please sign in to fill in your profile."))
        return redirect(url_for("auth.login", next=url_for("volunteer.profile")), code=303)
    return render_template("volunteer/join.html", form=form), 422 if form.errors else 200
