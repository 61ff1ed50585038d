"""The participant's own page: where the request stands, the peer, help, and their choices.

Each choice (a change, a pause, withdrawing, deleting) is a link to a confirmation that
works as a page without JavaScript; htmx swaps the same confirmation into the page.
"""

from __future__ import annotations

import json

from flask import Response, flash, render_template, request, url_for
from flask_login import current_user

from portal.auth.pulse_views import pulse_context
from portal.auth.views import end_session_and_go
from portal.db import db
from portal.htmx import redirect_for_htmx, render_page_or_fragment
from portal.i18n import gettext as _
from portal.models import Intake
from portal.participant import bp
from portal.participant.forms import EraseForm
from portal.security import passwords
from portal.security.permissions import public, requires_role
from portal.services import (
    erasure,
    intake_lifecycle,
    intake_progress,
    looks,
    my_data,
    relationships,
    settings,
    usual_wait,
)
from portal.services import intake as intakes
from portal.services.errors import Conflict, NotFound


def _open_intake() -> Intake:
    intake = intakes.open_intake_of(db.session, current_user)
    if intake is None:
        raise NotFound(_("You have no request in progress."))
    return intake


def _confirm(action: str, status: int = 200, **context):
    return render_page_or_fragment("participant/confirm.html", "participant/_confirm.html",
                                   status=status, action=action, **context)


def _done(message: str):
    """Commit, say what happened, and show the home page again."""
    db.session.commit()
    flash(message)
    return redirect_for_htmx(url_for("participant.home"))


@bp.get("/my")
@requires_role("participant")
def home():
    """Where the request stands, the peer once introduced, and where else to find help."""
    intake = intake_progress.latest_intake_of(db.session, current_user)
    progress = intake_progress.progress_of(db.session, intake) if intake is not None else None
    return render_template(
        "participant/home.html", intake=intake, progress=progress,
        looks=looks.for_participant(db.session, intake) if intake is not None else [],
        usual_wait=usual_wait.usual_wait_days(db.session)
        if progress is not None and progress.stage in ("received", "finding") else None,
        **pulse_context(current_user),
        directory=relationships.referral_directory(db.session),
        crisis=settings.get(db.session, "crisis_resources"),
        contact=settings.get(db.session, "program_contact"),
        contact_fr=settings.get(db.session, "program_contact_fr"))


@bp.route("/my/change", methods=["GET", "POST"])
@requires_role("participant")
def change():
    """Ask for a different peer: no reason needed, and no judgment."""
    match = intake_progress.active_match(db.session, _open_intake())
    if match is None:
        raise Conflict(_("You can ask for a change once you have been introduced to a peer."))
    if request.method == "GET":
        return _confirm("change")
    relationships.request_change(db.session, match, actor=current_user._get_current_object())
    return _done(_("Thank you for telling us. Your current peer relationship has ended, and the "
                   "program coordinator will find you someone new as a priority."))


@bp.route("/my/pause", methods=["GET", "POST"])
@requires_role("participant")
def pause():
    """Stop looking for a peer for now."""
    intake = _open_intake()
    if request.method == "GET":
        return _confirm("pause")
    intake_lifecycle.pause_intake(db.session, intake, actor=current_user._get_current_object())
    return _done(_("Your request is paused. Nothing more will happen until you pick it up again."))


@bp.post("/my/resume")
@requires_role("participant")
def resume():
    """Start looking for a peer again."""
    intake_lifecycle.resume_intake(db.session, _open_intake(), actor=current_user._get_current_object())
    return _done(_("Welcome back. We are looking for a peer for you again."))


@bp.route("/my/withdraw", methods=["GET", "POST"])
@requires_role("participant")
def withdraw():
    """End the request (and a peer relationship, respectfully)."""
    intake = _open_intake()
    if request.method == "GET":
        return _confirm("withdraw")
    intake_lifecycle.withdraw_intake(db.session, intake, actor=current_user._get_current_object())
    return _done(_("Your request has ended. You are welcome to ask again at any time."))


@bp.route("/my/delete", methods=["GET", "POST"])
@requires_role("participant")
def delete():
    """Delete my data after a tick and the password once more; then the session ends."""
    form = EraseForm()
    if not form.validate_on_submit():
        return _confirm("delete", form=form, status=422 if form.errors else 200)
    user = current_user._get_current_object()
    if not passwords.verify_password(user.password_hash, form.password.data):
        form.password.errors.append(_("That password is not right. Please try again."))
        return _confirm("delete", form=form, status=422)
    erasure.erase_participant(db.session, user, actor=user)
    db.session.commit()
    return end_session_and_go(url_for("participant.deleted"))


@bp.get("/my/data")
@requires_role("participant")
def my_data_page():
    """Everything the program holds about me, to read here or take away as a file."""
    user = current_user._get_current_object()
    my_data.record_download(db.session, user, "page")
    db.session.commit()
    return render_template("participant/my_data.html", data=my_data.gather(db.session, user),
                           **my_data.page_labels())


@bp.get("/my/data/<any(html, json):fmt>")
@requires_role("participant")
def my_data_file(fmt: str):
    """The same, as a file: a readable page to keep, or JSON for another program."""
    user = current_user._get_current_object()
    my_data.record_download(db.session, user, fmt)
    db.session.commit()
    data = my_data.gather(db.session, user)
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2)
        mimetype = "application/json"
    else:
        body = render_template("participant/my_data_file.html", data=data,
                               **my_data.page_labels())
        mimetype = "text/html"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=my-data.{fmt}"
    return response


@bp.get("/my/deleted")
@public
def deleted():
    """The goodbye after erasure (the person is signed out by then)."""
    return render_template("participant/deleted.html")
