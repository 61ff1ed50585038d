"""Passkeys for staff: signing in with one at the second step, and adding and removing them.

The browser half is ``static/js/passkeys.js``: it asks an ``…/options`` endpoint for the
ceremony's options (the challenge stays in the server-side session, taken back once), runs
``navigator.credentials``, and posts the answer as JSON. Those endpoints answer JSON: options,
``{"location": …}`` to go on, or ``{"error": …}`` (422) to show beside the button.
"""

from __future__ import annotations

import uuid

from flask import abort, current_app, flash, jsonify, request, session, url_for
from flask_login import current_user

from portal.auth import bp
from portal.auth.forms import CodeForm
from portal.auth.mfa_views import pending_user
from portal.auth.views import start_session
from portal.db import db
from portal.extensions import limiter
from portal.htmx import redirect_for_htmx, render_page_or_fragment
from portal.i18n import gettext as _
from portal.security.permissions import public, requires_role
from portal.services import passkeys, second_factor

SIGN_IN_STATE, REGISTER_STATE, CONFIRM_STATE = "_mfa_passkey", "_passkey_register", "_passkey_confirm"


def _party() -> passkeys.RelyingParty:
    return passkeys.RelyingParty.from_config(current_app.config)


def _answer() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _options(ceremony: passkeys.Ceremony, key: str):
    """The options for the browser; the challenge waits in the session for one answer."""
    session[key] = ceremony.state
    return current_app.response_class(ceremony.options, mimetype="application/json")


def _refused(message: str, status: int = 422):
    return jsonify(error=message), status


def _restart():
    return jsonify(location=url_for("auth.login")), 401


@bp.post("/sign-in/passkey/options")
@limiter.limit("10/minute")
@public
def passkey_sign_in_options():
    """A challenge for the passkey of the staff member at the second step."""
    user = pending_user()
    if user is None or user.mfa_enrolled_at is None:
        return _restart()
    try:
        ceremony = passkeys.authentication_options(db.session, user, _party())
    except passkeys.PasskeyRefused as refusal:
        return _refused(str(refusal))
    return _options(ceremony, SIGN_IN_STATE)


@bp.post("/sign-in/passkey")
@limiter.limit("10/minute")
@public
def passkey_sign_in():
    """The passkey's answer: signed in, or a plain refusal beside the code form."""
    user = pending_user()
    if user is None or user.mfa_enrolled_at is None:
        return _restart()
    ok = second_factor.check_passkey(db.session, user, _party(), session.pop(SIGN_IN_STATE, None),
                                     _answer().get("credential"), ip=request.remote_addr)
    db.session.commit()
    if not ok:
        return _refused(_("That passkey did not work. Please try again, or type the code "
                          "from your app."))
    target = session.get("_mfa_next") or url_for("auth.home")
    start_session(user)
    return jsonify(location=target)


@bp.get("/account/passkeys")
@requires_role("coordinator")
def passkeys_page():
    """The staff member's passkeys: when each was added and last used; add or remove one."""
    return render_page_or_fragment("auth/passkeys.html", "auth/_passkeys.html",
                                   passkeys=passkeys.list_for(db.session, current_user),
                                   most=passkeys.MOST_PASSKEYS)


@bp.post("/account/passkeys/options")
@limiter.limit("10/minute")
@requires_role("coordinator")
def passkey_register_options():
    """Options to create a passkey, leaving out the ones already registered."""
    try:
        ceremony = passkeys.registration_options(db.session, current_user, _party())
    except passkeys.PasskeyRefused as refusal:
        return _refused(str(refusal))
    return _options(ceremony, REGISTER_STATE)


@bp.post("/account/passkeys")
@limiter.limit("10/minute")
@requires_role("coordinator")
def passkey_register():
    """The new passkey's answer and the name the person gave it."""
    answer = _answer()
    try:
        passkeys.register(db.session, current_user, _party(), session.pop(REGISTER_STATE, None),
                          answer.get("credential"), answer.get("label"))
    except passkeys.PasskeyRefused as refusal:
        return _refused(str(refusal))
    db.session.commit()
    flash(_("Passkey added. Next time you sign in, you can use it instead of a code."), "success")
    return jsonify(location=url_for("auth.passkeys_page"))


def _own(passkey_id: uuid.UUID):
    passkey = passkeys.get_for(db.session, current_user, passkey_id)
    if passkey is None:
        abort(404)
    return passkey


def _removed(passkey):
    passkeys.remove(db.session, current_user, passkey)
    db.session.commit()
    flash(_("Passkey removed."), "success")
    return url_for("auth.passkeys_page")


@bp.route("/account/passkeys/<uuid:passkey_id>/remove", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
@requires_role("coordinator")
def passkey_remove(passkey_id):
    """Remove a passkey once the person confirms it is them: a code now, or a passkey."""
    passkey = _own(passkey_id)
    form = CodeForm()
    if form.validate_on_submit():
        ok = second_factor.check_code(db.session, current_user, form.code.data,
                                      ip=request.remote_addr)
        if ok:
            return redirect_for_htmx(_removed(passkey))
        db.session.commit()
        form.code.errors.append(_("That code did not work. Please type the one showing now."))
    return render_page_or_fragment("auth/passkey_remove.html", "auth/_passkey_remove.html",
                                   422 if form.errors else 200, form=form, passkey=passkey)


@bp.post("/account/passkeys/confirm/options")
@limiter.limit("10/minute")
@requires_role("coordinator")
def passkey_confirm_options():
    """A challenge for confirming a change to the passkeys with one of them."""
    try:
        ceremony = passkeys.authentication_options(db.session, current_user, _party(),
                                                   passkeys.CONFIRM)
    except passkeys.PasskeyRefused as refusal:
        return _refused(str(refusal))
    return _options(ceremony, CONFIRM_STATE)


@bp.post("/account/passkeys/<uuid:passkey_id>/remove/passkey")
@limiter.limit("10/minute")
@requires_role("coordinator")
def passkey_remove_confirmed(passkey_id):
    """Remove a passkey, confirmed by signing with a passkey (that one or another)."""
    passkey = _own(passkey_id)
    ok = second_factor.check_passkey(db.session, current_user, _party(),
                                     session.pop(CONFIRM_STATE, None),
                                     _answer().get("credential"), purpose=passkeys.CONFIRM,
                                     ip=request.remote_addr)
    if ok:
        return jsonify(location=_removed(passkey))
    db.session.commit()
    return _refused(_("That passkey did not work. Please try again, or type the code "
                      "from your app."))
