"""Volunteer management: invite, and record screening, training, activation, renewal of the
approval, pause, retirement."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal.coordinator import bp
from portal.coordinator.volunteer_forms import InviteForm, ScreeningForm, TrainingForm
from portal.db import db
from portal.htmx import render_page_or_fragment, wants_fragment
from portal.i18n import gettext as _
from portal.models import Invitation, User
from portal.security.permissions import requires_role
from portal.services import accounts, approvals, invitations, volunteer_care, volunteers
from portal.services.errors import NotFound


def _today():
    return volunteers.program_today(db.session)


def _onboarding(profile, *, status: int = 200, message: str | None = None, **forms):
    """The volunteer's page, or its onboarding region for htmx, with the step forms."""
    forms.setdefault("screening_form", ScreeningForm(formdata=None, today=_today()))
    forms.setdefault("training_form", TrainingForm(formdata=None, today=_today(),
                                                   screened_on=profile.screened_on))
    return render_page_or_fragment(
        "coordinator/volunteer.html", "coordinator/_onboarding.html", status=status,
        profile=profile, user=db.session.get(User, profile.user_id), message=message,
        state_labels=volunteers.STATE_LABELS,
        counts=volunteers.load_counts(db.session, profile),
        recorder=db.session.get(User, profile.screened_by_id) if profile.screened_by_id else None,
        debrief=volunteer_care.debrief_waiting(db.session, profile),
        lapsed=approvals.has_lapsed(profile.approved_until, _today()),
        lapsed_on=approvals.lapsed_on(profile.approved_until) if profile.approved_until else None,
        renewable=profile.state in approvals.APPROVED_STATES, **forms)


def _recorded(profile, message: str):
    """After an onboarding step: the fresh region for htmx, else back to the page."""
    if wants_fragment():
        return _onboarding(profile, message=message)
    flash(message)
    return redirect(url_for("coordinator.volunteer", profile_id=profile.id), code=303)


@bp.get("/volunteers")
@requires_role("coordinator")
def volunteer_list():
    """Every volunteer with their onboarding step, and invitations not yet used."""
    return render_template("coordinator/volunteers.html", state_labels=volunteers.STATE_LABELS,
                           profiles=volunteers.list_profiles(db.session),
                           pending=invitations.pending(db.session))


@bp.route("/volunteers/invite", methods=["GET", "POST"])
@requires_role("coordinator")
def invite():
    """Invite a volunteer by email: a single-use link that expires."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitations.invite(db.session, form.email.data, actor=current_user)
        except accounts.EmailTaken as taken:
            form.email.errors.append(str(taken))
        else:
            db.session.commit()
            flash(_("The invitation is on its way."))
            return redirect(url_for("coordinator.volunteer_list"), code=303)
    return render_page_or_fragment("coordinator/invite.html", "coordinator/_invite_form.html",
                                   status=422 if form.errors else 200, form=form,
                                   invitation_days=invitations.INVITATION_DAYS)


def _invitation(invitation_id: uuid.UUID) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.role != "volunteer":  # staff invitations are the admin's
        raise NotFound(_("We could not find that invitation."))
    return invitation


@bp.post("/invitations/<uuid:invitation_id>/resend")
@requires_role("coordinator")
def resend_invitation(invitation_id: uuid.UUID):
    """A fresh link; the old one stops working."""
    invitations.resend(db.session, _invitation(invitation_id), actor=current_user)
    db.session.commit()
    flash(_("A new link is on its way; the earlier one no longer works."))
    return redirect(url_for("coordinator.volunteer_list"), code=303)


@bp.post("/invitations/<uuid:invitation_id>/revoke")
@requires_role("coordinator")
def revoke_invitation(invitation_id: uuid.UUID):
    """The link stops working at once."""
    invitations.revoke(db.session, _invitation(invitation_id), actor=current_user)
    db.session.commit()
    flash(_("The invitation is cancelled."))
    return redirect(url_for("coordinator.volunteer_list"), code=303)


@bp.get("/volunteers/<uuid:profile_id>")
@requires_role("coordinator")
def volunteer(profile_id: uuid.UUID):
    """One volunteer: onboarding record, profile summary and the next step."""
    return _onboarding(volunteers.get_by_id(db.session, profile_id))


@bp.post("/volunteers/<uuid:profile_id>/debrief")
@requires_role("coordinator")
def take_on_debrief(profile_id: uuid.UUID):
    """The coordinator will offer the debrief the volunteer asked for (never their answers)."""
    return _act_on(profile_id, volunteer_care.take_on_debrief,
                   _("Marked as taken on. Please get in touch with them."))


@bp.post("/volunteers/<uuid:profile_id>/screening")
@requires_role("coordinator")
def record_screening(profile_id: uuid.UUID):
    """Screening done: the date, recorded by the signed-in coordinator."""
    profile = volunteers.get_by_id(db.session, profile_id)
    form = ScreeningForm(today=_today())
    if not form.validate_on_submit():
        return _onboarding(profile, status=422, screening_form=form)
    volunteers.record_screening(db.session, profile, on=form.screened_on.data, actor=current_user)
    db.session.commit()
    return _recorded(profile, _("Screening recorded."))


@bp.post("/volunteers/<uuid:profile_id>/training")
@requires_role("coordinator")
def record_training(profile_id: uuid.UUID):
    """Training completed: the date and the course."""
    profile = volunteers.get_by_id(db.session, profile_id)
    form = TrainingForm(today=_today(), screened_on=profile.screened_on)
    if not form.validate_on_submit():
        return _onboarding(profile, status=422, training_form=form)
    volunteers.record_training(db.session, profile, on=form.trained_on.data,
                               course=form.course.data, actor=current_user)
    db.session.commit()
    return _recorded(profile, _("Training recorded."))


def _act_on(profile_id: uuid.UUID, act, message: str):
    """One step of a volunteer's path, taken by the coordinator, then the onboarding region."""
    profile = volunteers.get_by_id(db.session, profile_id)
    act(db.session, profile, actor=current_user)
    db.session.commit()
    return _recorded(profile, message)


@bp.post("/volunteers/<uuid:profile_id>/activate")
@requires_role("coordinator")
def activate(profile_id: uuid.UUID):
    """Make the volunteer matchable (after training, or again after a pause)."""
    return _act_on(profile_id, volunteers.activate,
                   _("The volunteer is active and can be offered matches."))


@bp.post("/volunteers/<uuid:profile_id>/renew")
@requires_role("coordinator")
def renew_approval(profile_id: uuid.UUID):
    """Renew the volunteer's approval (screening and training) from today; audited."""
    return _act_on(profile_id, approvals.renew,
                   _("The approval is renewed; the volunteer can be offered matches."))


@bp.post("/volunteers/<uuid:profile_id>/pause")
@requires_role("coordinator")
def pause(profile_id: uuid.UUID):
    """Pause the volunteer; open offers are withdrawn."""
    return _act_on(profile_id, volunteers.pause_volunteer,
                   _("The volunteer is paused; no offers will go to them."))


@bp.post("/volunteers/<uuid:profile_id>/retire")
@requires_role("coordinator")
def retire(profile_id: uuid.UUID):
    """The volunteer leaves the program."""
    return _act_on(profile_id, volunteers.retire, _("The volunteer is retired."))
