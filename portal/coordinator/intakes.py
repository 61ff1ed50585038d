"""One request: the need-to-know record, deliberate reveals, suggestions and the actions.

Opening the page writes its audit event before anything is read (fail closed). After an
action, htmx gets the fresh work region (the action is its own audit record); a plain
request goes back to the page. An action refused because something changed meanwhile
reloads the page with the reason, and nothing is saved.
"""

from __future__ import annotations

import uuid
from functools import wraps

from flask import flash, redirect, request, url_for
from flask_login import current_user

from portal.coordinator import bp
from portal.coordinator.intake_forms import CloseForm, ManualMatchForm, OfferForm, RevealForm
from portal.db import db
from portal.forms import PICK_ONE
from portal.htmx import redirect_for_htmx, render_page_or_fragment, wants_fragment
from portal.i18n import gettext as _
from portal.models import Intake
from portal.security.permissions import requires_role
from portal.services import address_checks, intake_lifecycle, looks, settings, triage
from portal.services.errors import DomainError

PAGE = "coordinator/intake.html"
WORK = "coordinator/_intake_work.html"
SUGGESTIONS = "coordinator/_intake_suggestions.html"
# The suggestions region polls every two seconds while a job runs; past this many polls
# (about three minutes: a worker or Redis is down) it stops and asks for a reload instead.
POLL_LIMIT = 90


def _intake(intake_id: uuid.UUID) -> Intake:
    return triage.get_intake(db.session, intake_id)


def _context(record, **extra) -> dict:
    """What the page and its regions need; forms not given are blank."""
    extra.setdefault("reveal_form", RevealForm(formdata=None))
    extra.setdefault("close_form", CloseForm(formdata=None))
    return dict(record=record, intake=record.intake, state_labels=triage.STATE_LABELS,
                outcome_labels=triage.OUTCOME_LABELS, close_labels=triage.CLOSE_LABELS,
                reasons=looks.REASON_LABELS, polls=0, poll_limit=POLL_LIMIT, **extra)


def _show(intake: Intake, fragment: str, *, status: int = 200, look: bool = True,
          seen: str = "page", **extra):
    """The page, or ``fragment`` for htmx; with ``look`` the view is audited before reading."""
    if look:
        record = triage.open_record(db.session, intake, actor=current_user, detail=seen)
        db.session.commit()
    else:
        record = triage.intake_record(db.session, intake)
    return render_page_or_fragment(PAGE, fragment, status=status, **_context(record, **extra))


def _done(intake: Intake, message: str):
    """After an action: htmx gets the fresh work region, a plain request the page again."""
    if wants_fragment():
        response = _show(intake, WORK, look=False, message=message)
        # The manual-match and close forms target their own region (for their errors).
        response.headers.update({"HX-Retarget": "#intake-work", "HX-Reswap": "outerHTML"})
        return response
    flash(message, "success")
    return redirect(url_for("coordinator.intake", intake_id=intake.id), code=303)


def _refusals_reload(view):
    """A rule refused the action (someone changed something): reload with the reason."""

    @wraps(view)
    def guarded(intake_id: uuid.UUID):
        try:
            return view(intake_id)
        except DomainError as refusal:
            if refusal.status != 409:
                raise
            db.session.rollback()
            flash(str(refusal), "warning")
            return redirect_for_htmx(url_for("coordinator.intake", intake_id=intake_id))

    return guarded


@bp.get("/intakes/<uuid:intake_id>")
@requires_role("coordinator")
def intake(intake_id: uuid.UUID):
    """The request's record: summary, private details on request, suggestions, history."""
    return _show(_intake(intake_id), WORK)


@bp.get("/intakes/<uuid:intake_id>/suggestions")
@requires_role("coordinator")
def intake_suggestions(intake_id: uuid.UUID):
    """The suggestions region; it polls itself while fresh suggestions are worked out."""
    intake = _intake(intake_id)
    if wants_fragment() and triage.recomputing(db.session, intake):
        # Nothing of the record in this answer, so nothing to audit until it is shown.
        return render_page_or_fragment(PAGE, SUGGESTIONS, intake=intake, record=None,
                                       polls=request.args.get("polls", 0, type=int) + 1,
                                       poll_limit=POLL_LIMIT)
    return _show(intake, SUGGESTIONS, seen="suggestions" if wants_fragment() else "page")


@bp.post("/intakes/<uuid:intake_id>/reveal")
@requires_role("coordinator")
def reveal(intake_id: uuid.UUID):
    """Show one group of private details; the audit log records which, never the values."""
    intake = _intake(intake_id)
    form = RevealForm()
    if not form.validate_on_submit():
        return _show(intake, "coordinator/_intake_sensitive.html", status=422,
                     look=not wants_fragment(), reveal_form=form)
    revealed = triage.reveal(db.session, intake, form.field.data, actor=current_user,
                             reason=form.reason.data, words=form.words.data)
    db.session.commit()
    # The reveal is the audit record of this look, for the page and the fragment alike.
    return _show(intake, "coordinator/_intake_sensitive.html", look=False, revealed=revealed)


@bp.post("/intakes/<uuid:intake_id>/offer")
@requires_role("coordinator")
@_refusals_reload
def offer(intake_id: uuid.UUID):
    """Offer the request to one of the suggested volunteers."""
    intake = _intake(intake_id)
    form = OfferForm()
    if not form.validate_on_submit():
        # The volunteer comes from a button, so only a tampered or stale page gets here.
        return _show(intake, WORK, status=422, look=True, problem=(form.volunteer_id.errors or [PICK_ONE])[0])
    triage.offer_suggestion(db.session, intake, form.volunteer, actor=current_user)
    db.session.commit()
    return _done(intake, _offer_sent())


def _offer_sent() -> str:
    hours = settings.get(db.session, "offer_expiry_hours")
    return _("The offer is on its way. The volunteer has %(hours)d hours to answer.", hours=hours)


@bp.post("/intakes/<uuid:intake_id>/recompute")
@requires_role("coordinator")
@_refusals_reload
def recompute(intake_id: uuid.UUID):
    """Ask for fresh suggestions (they appear here by themselves when ready)."""
    intake = _intake(intake_id)
    triage.recompute(db.session, intake, actor=current_user)
    db.session.commit()
    return _done(intake, _("Fresh suggestions are being worked out."))


@bp.route("/intakes/<uuid:intake_id>/manual-match", methods=["GET", "POST"])
@requires_role("coordinator")
@_refusals_reload
def manual_match(intake_id: uuid.UUID):
    """Choose any eligible volunteer yourself, with a reason that is recorded."""
    intake = _intake(intake_id)
    form = ManualMatchForm(candidates=triage.manual_candidates(db.session, intake))
    if not form.validate_on_submit():
        return _show(intake, "coordinator/_intake_manual.html", status=422 if form.errors else 200,
                     look=not wants_fragment(), manual_form=form)
    triage.manual_match(db.session, intake, form.volunteer, reason=form.reason.data,
                        actor=current_user)
    db.session.commit()
    return _done(intake, _offer_sent())


def _act_on(intake_id: uuid.UUID, transition, message: str):
    """Pause or resume, as the coordinator: the same transition the participant's page uses."""
    intake = _intake(intake_id)
    transition(db.session, intake, actor=current_user, by="coordinator")
    db.session.commit()
    return _done(intake, message)


@bp.post("/intakes/<uuid:intake_id>/invite")
@requires_role("coordinator")
@_refusals_reload
def invite_participant(intake_id: uuid.UUID):
    """Send the person of a request entered for them a single-use link to make an account."""
    intake = _intake(intake_id)
    address_checks.invite(db.session, intake, actor=current_user)
    db.session.commit()
    return _done(intake, _("The invitation is on its way. It works once, for seven days."))


@bp.post("/intakes/<uuid:intake_id>/pause")
@requires_role("coordinator")
@_refusals_reload
def pause_intake(intake_id: uuid.UUID):
    """Stop looking for a peer for now; an unanswered offer is taken back."""
    return _act_on(intake_id, intake_lifecycle.pause_intake,
                   _("The request is paused. Nothing is offered until you resume it."))


@bp.post("/intakes/<uuid:intake_id>/resume")
@requires_role("coordinator")
@_refusals_reload
def resume_intake(intake_id: uuid.UUID):
    """Start looking for a peer again."""
    return _act_on(intake_id, intake_lifecycle.resume_intake,
                   _("The request is waiting again; fresh suggestions are on their way."))


@bp.post("/intakes/<uuid:intake_id>/close")
@requires_role("coordinator")
@_refusals_reload
def close_intake(intake_id: uuid.UUID):
    """End the request with a reason; an open offer or relationship ends with it."""
    intake = _intake(intake_id)
    form = CloseForm()
    if not form.validate_on_submit():
        return _show(intake, "coordinator/_intake_close.html", status=422,
                     look=not wants_fragment(), close_form=form)
    triage.close_intake(db.session, intake, reason=form.reason.data, actor=current_user)
    db.session.commit()
    return _done(intake, _("The request is closed."))
