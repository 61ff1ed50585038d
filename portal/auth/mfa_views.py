"""The second sign-in step for staff: set up an authenticator once, then a code each time."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for

from portal.auth import bp
from portal.auth.forms import CodeForm
from portal.auth.views import complete_sign_in
from portal.db import db
from portal.extensions import limiter
from portal.i18n import gettext as _
from portal.models import User
from portal.security.permissions import public
from portal.services import mfa, passkeys, second_factor


def pending_user() -> User | None:
    """The staff member who passed the password step in this session, if still valid."""
    return second_factor.pending_user(db.session, session.get("_mfa_user"),
                                      session.get("_mfa_epoch"))


def _restart():
    return redirect(url_for("auth.login"), code=303)


@bp.route("/sign-in/verify", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
@public
def mfa_verify():
    """Six digits from the authenticator app, or one recovery code (or a passkey, see
    passkey_views)."""
    user = pending_user()
    if user is None or user.mfa_enrolled_at is None:
        return _restart()
    form = CodeForm()
    if form.validate_on_submit():
        ok = second_factor.check_code(db.session, user, form.code.data, ip=request.remote_addr)
        db.session.commit()
        if ok:
            return complete_sign_in(user, session.get("_mfa_next") or None)
        form.code.errors.append(_("That code did not work. Codes change every 30 seconds; "
                                  "please type the one showing now."))
    return render_template("auth/mfa_verify.html", form=form,
                           passkey=passkeys.has_any(db.session, user)), 422 if form.errors else 200


@bp.route("/sign-in/setup", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
@public
def mfa_setup():
    """First staff sign-in: scan the code into an authenticator app and confirm one code."""
    user = pending_user()
    if user is None:
        return _restart()
    if user.mfa_enrolled_at is not None:
        return redirect(url_for("auth.mfa_verify"), code=303)
    secret = session.get("_mfa_secret") or mfa.new_secret()
    session["_mfa_secret"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        codes = mfa.enrol(db.session, user, secret, form.code.data)
        if codes is not None:
            db.session.commit()
            target = session.get("_mfa_next") or None
            response = complete_sign_in(user, url_for("auth.recovery_codes"))
            session["_recovery_codes"] = codes
            session["_after_codes"] = target or ""
            return response
        form.code.errors.append(_("That code did not match. Check the app shows this portal, "
                                  "then type the code showing now."))
    return render_template("auth/mfa_setup.html", form=form, qr=mfa.qr_data_uri(secret),
                           secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4))), \
        422 if form.errors else 200


@bp.get("/sign-in/recovery-codes")
@public
def recovery_codes():
    """The recovery codes, shown once right after set-up."""
    codes = session.pop("_recovery_codes", None)
    if not codes:
        return redirect(url_for("auth.home"), code=303)
    return render_template("auth/recovery_codes.html", codes=codes,
                           next_url=session.pop("_after_codes", "") or url_for("auth.home"))
