"""Sign-in and sign-out views."""

from __future__ import annotations

from flask import current_app, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user, login_user, logout_user

from portal.auth import bp
from portal.auth.forms import LoginForm
from portal.auth.loader import safe_next
from portal.db import db
from portal.extensions import csrf, limiter
from portal.htmx import redirect_for_htmx
from portal.i18n import gettext as _
from portal.security import audit
from portal.security.permissions import public, signed_in
from portal.services import accounts, notifications

ROLE_HOMES = {
    "participant": "participant.home",
    "volunteer": "volunteer.home",
    "coordinator": "coordinator.today",
    "admin": "coordinator.today",
}


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
@public
def login():
    """Email and password; the session gets a new id once the person is known."""
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data, form.password.data,
                                     ip=request.remote_addr, language_code=str(get_locale()))
        db.session.commit()
        if user is not None:
            target = safe_next(request.args.get("next"))
            if user.role.is_staff:
                return ask_second_factor(user, target)
            return complete_sign_in(user, target)
        form.password.errors.append(_("That email and password do not match an account we can "
                                      "sign in. Please try again."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


def complete_sign_in(user, target: str | None):
    """The person is known: a new session id, then their page."""
    start_session(user)
    return redirect_for_htmx(target or url_for("auth.home"))


def start_session(user) -> None:
    """Sign ``user`` in on a new session id, forgetting what the sign-in steps kept."""
    session.regenerate()
    for key in [k for k in session if k.startswith("_mfa")]:
        session.pop(key)
    login_user(user)
    session["_epoch"] = user.session_epoch
    session["_staff"] = user.role.is_staff


def ask_second_factor(user, target: str | None):
    """Staff pass the password step only: the session is not signed in until the code is given."""
    session.regenerate()
    session.update(_mfa_user=str(user.id), _mfa_epoch=user.session_epoch, _mfa_next=target or "",
                   _staff=True)
    step = "auth.mfa_verify" if user.mfa_enrolled_at else "auth.mfa_setup"
    return redirect_for_htmx(url_for(step))


@bp.post("/sign-out")
@public
def logout():
    """End the session on the server and ask the browser to forget what it kept."""
    if current_user.is_authenticated:
        audit.record(db.session, actor=current_user, action="logout",
                     subject_type="user_account", subject_id=current_user.id)
        db.session.commit()
    return end_session_and_go(url_for("public.index"))


@bp.route("/exit", methods=["GET", "POST"])
@csrf.exempt  # signing out is all it does; a forged one costs a sign-in, never data
@public
def quick_exit():
    """The quick exit: end the session (a draft of a request with it) on the server, ask the
    browser to drop what it kept, and go to the neutral site. The page's script leaves at once
    and calls this as a beacon; without script, the exit link itself comes here."""
    if current_user.is_authenticated:
        audit.record(db.session, actor=current_user, action="logout",
                     subject_type="user_account", subject_id=current_user.id, detail="quick_exit")
        db.session.commit()
    response = end_session_and_go(current_app.config["QUICK_EXIT_URL"])
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


def end_session_and_go(target: str):
    """Sign out here and on the server, and ask the browser to forget what it kept."""
    logout_user()
    session.end()
    response = redirect_for_htmx(target)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.get("/home")
@signed_in
def home():
    """Each role's own home page; until one exists, a plain signed-in page."""
    endpoint = ROLE_HOMES[str(current_user.role)]
    if endpoint in current_app.view_functions:
        return redirect_for_htmx(url_for(endpoint))
    unread = notifications.unread_count(db.session, current_user)
    return render_template("auth/home.html", unread=unread)
