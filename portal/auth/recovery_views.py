"""Forgot my password: the same answer for every address, then a single-use link that ends
every session of the account when used."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from portal.auth import bp
from portal.auth.forms import ForgotForm, ResetForm
from portal.db import db
from portal.extensions import limiter
from portal.i18n import gettext as _
from portal.security.crypto import blind_index
from portal.security.permissions import public
from portal.services import recovery


def _address_key() -> str:
    """Limit by the address asked about (hashed), so nobody floods one person's mailbox."""
    return "forgot:" + blind_index((request.form.get("email") or "").strip(), "email")


@bp.route("/sign-in/forgot", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
@limiter.limit("3/hour", methods=["POST"], key_func=_address_key)
@public
def forgot():
    """Ask for a link; what follows on screen is the same whether or not the address is known."""
    form = ForgotForm()
    if form.validate_on_submit():
        recovery.request_reset(db.session, form.email.data, ip=request.remote_addr)
        db.session.commit()
        return render_template("auth/forgot_sent.html", minutes=recovery.reset_minutes())
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/sign-in/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
@public
def reset(token: str):
    """Choose a new password from the emailed link."""
    recovery.open_reset(db.session, token)
    form = ResetForm()
    if form.validate_on_submit():
        recovery.reset_password(db.session, token, form.password.data, ip=request.remote_addr)
        db.session.commit()
        flash(_("Your password is changed and every other session of your account has ended. "
                "Please sign in with the new password."), "success")
        return redirect(url_for("auth.login"), code=303)
    return render_template("auth/reset.html", form=form), 422 if form.errors else 200
