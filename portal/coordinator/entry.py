"""Entering a request for someone: the safety question first (a "yes" shows the crisis protocol
and marks the request urgent), then the participant's own questions on one page, and how the
request came in. The request is matched like any other and is attached to no account."""

from __future__ import annotations

import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.coordinator import bp
from portal.coordinator.entry_forms import EntrySafetyForm, OnBehalfForm, step_forms
from portal.db import db
from portal.i18n import gettext as _
from portal.intake_steps import answers_from
from portal.security.permissions import requires_role
from portal.services import intake_on_behalf, settings

ENTRY = "coordinator/entry.html"


@bp.route("/intakes/new", methods=["GET", "POST"])
@requires_role("coordinator")
def enter_request():
    """The safety question, asked before anything else."""
    form = EntrySafetyForm()
    if form.validate_on_submit():
        return redirect(url_for("coordinator.enter_details", danger=form.danger.data), code=303)
    return render_template("coordinator/entry_safety.html", form=form), 422 if form.errors else 200


@bp.route("/intakes/new/details", methods=["GET", "POST"])
@requires_role("coordinator")
def enter_details():
    """The questions, and how the request came in; a "yes" above keeps the crisis protocol here."""
    if request.method == "GET":
        form = OnBehalfForm(formdata=None, danger=request.args.get("danger", "no"),
                            submission_token=secrets.token_urlsafe(24))
        return _page(form, step_forms(None))
    form, steps = OnBehalfForm(), step_forms(request.form)
    valid = [form.validate_on_submit()] + [step.validate() for step in steps.values()]
    phone = steps["contact"].phone
    if form.reach_by.data == "phone" and not phone.data:
        phone.errors = [*phone.errors, _("Please enter their phone number, or choose another "
                                         "way to reach them.")]
        valid.append(False)
    if not all(valid):
        return _page(form, steps, status=422)
    data = {name: value for step in steps.values() for name, value in step.data.items()}
    data["email"] = form.email.data
    how = intake_on_behalf.OnBehalf(form.channel.data, form.consent_method.data, form.reach_by.data,
                           form.email.data or None)
    intake = intake_on_behalf.submit_on_behalf(db.session, answers_from(data, form.danger.data == "yes"),
                                      how, token=form.submission_token.data or "",
                                      actor=current_user._get_current_object())
    db.session.commit()
    flash(_("The request is entered. It is in the queue and matched like any other."))
    return redirect(url_for("coordinator.intake", intake_id=intake.id), code=303)


def _page(form: OnBehalfForm, steps: dict, status: int = 200):
    if form.submission_token.errors:  # a fresh token, so sending again enters one request
        form.submission_token.data = secrets.token_urlsafe(24)
        flash(form.submission_token.errors[0], "warning")
    crisis = settings.get(db.session, "crisis_resources") if form.danger.data == "yes" else None
    return render_template(ENTRY, form=form, steps=steps, crisis=crisis), status
