"""Staff accounts, for admins: the list, invitations, deactivating, reactivating, and resetting
a second step. Every change answers the list again (a fragment for htmx, the page otherwise)."""

from __future__ import annotations

import uuid

from flask import flash, redirect, url_for
from flask_login import current_user

from portal.admin import bp
from portal.admin.forms import StaffInviteForm
from portal.db import db
from portal.htmx import render_page_or_fragment, wants_fragment
from portal.i18n import gettext as _
from portal.security.permissions import requires_role
from portal.services import accounts, invitations, recovery, staff
from portal.services.errors import Conflict

PAGE, LIST = "admin/staff.html", "admin/_staff_list.html"


def _show(form: StaffInviteForm | None = None, *, status: int = 200, message: str | None = None):
    return render_page_or_fragment(
        PAGE, LIST, status=status, rows=staff.staff_list(db.session),
        pending=invitations.pending(db.session, "coordinator", "admin"),
        form=form or StaffInviteForm(formdata=None), message=message,
        invitation_days=invitations.STAFF_INVITATION_DAYS)


@bp.get("/staff")
@requires_role("admin")
def staff_page():
    """Who works in the portal, their last sign-in and whether their second step is set up."""
    return _show()


@bp.post("/staff/invite")
@requires_role("admin")
def invite_staff():
    """A single-use link to the address: they choose a password, then set up a second step."""
    form = StaffInviteForm()
    if not form.validate_on_submit():
        return _show(form, status=422)
    try:
        invitations.invite(db.session, form.email.data, actor=current_user, role=form.role.data,
                           name=form.name.data)
    except accounts.EmailTaken as taken:
        db.session.rollback()
        form.email.errors = [str(taken)]
        return _show(form, status=422)
    db.session.commit()
    return _done(_("The invitation is on its way. It works once, for %(days)d days.",
                   days=invitations.STAFF_INVITATION_DAYS))


def _act(user_id: uuid.UUID, act, message: str):
    user = staff.get_staff(db.session, user_id)
    try:
        act(db.session, user, actor=current_user._get_current_object())
    except Conflict as refusal:
        db.session.rollback()
        return _show(status=409, message=str(refusal))
    db.session.commit()
    return _done(message)


def _done(message: str):
    if wants_fragment():
        return _show(message=message)
    flash(message, "success")
    return redirect(url_for("admin.staff_page"), code=303)


@bp.post("/staff/<uuid:user_id>/deactivate")
@requires_role("admin")
def deactivate_staff(user_id: uuid.UUID):
    """They can no longer sign in, and every session of theirs ends now."""
    return _act(user_id, staff.deactivate, _("The account is deactivated and signed out."))


@bp.post("/staff/<uuid:user_id>/reactivate")
@requires_role("admin")
def reactivate_staff(user_id: uuid.UUID):
    return _act(user_id, staff.reactivate, _("The account can sign in again."))


@bp.post("/staff/<uuid:user_id>/reset-second-step")
@requires_role("admin")
def reset_staff_second_step(user_id: uuid.UUID):
    """A lost phone: they set up their second step again at their next sign-in."""
    return _act(user_id, staff.reset_second_step,
                _("Their second step is reset; they set it up again when they next sign in."))


@bp.post("/staff/<uuid:user_id>/send-password-link")
@requires_role("admin")
def send_staff_password_link(user_id: uuid.UUID):
    """A forgotten password: a single-use link to their address; their sessions end now."""
    return _act(user_id, recovery.send_reset_by_admin,
                _("A link to choose a new password is on its way; their sessions have ended."))
