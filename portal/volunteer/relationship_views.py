"""Active relationships: introduction, check-ins, asking for a change, closing; the directory."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.db import db
from portal.htmx import redirect_for_htmx, render_page_or_fragment, wants_fragment
from portal.i18n import gettext as _
from portal.models import MatchState
from portal.security.permissions import requires_role
from portal.services import follow_through, offers, relationships, volunteers
from portal.services.errors import NotFound
from portal.volunteer import bp
from portal.volunteer.forms import CheckInForm, CloseForm


def _relationship(match_id: uuid.UUID):
    """One of the volunteer's accepted matches (an unanswered offer has its own page)."""
    match = offers.get_for_volunteer(db.session, match_id, current_user)
    if match.state not in (MatchState.ACTIVE, MatchState.CLOSED):
        raise NotFound(_("We could not find that page."))
    return match


def _check_in_form(match, *, blank: bool = False) -> CheckInForm:
    today = volunteers.program_today(db.session)
    earliest = relationships.first_check_in_day(db.session, match) or today
    extra = {"formdata": None} if blank else {}
    return CheckInForm(earliest=earliest, today=today, **extra)


def _relationship_page(match, form, status: int = 200, message: str | None = None):
    """The whole page, or the check-in region for htmx."""
    intro = None
    if not wants_fragment():
        intro = relationships.introduction(db.session, match, viewer=current_user)
        db.session.commit()  # the audit record of this look at contact details
    return render_page_or_fragment(
        "volunteer/relationship.html", "volunteer/_check_ins.html", status=status, match=match,
        intro=intro, alias=relationships.alias_of(db.session, match), form=form, message=message,
        check_ins=relationships.check_ins(db.session, match),
        modes=dict(relationships.CHECK_IN_MODES), flags=dict(relationships.CHECK_IN_FLAGS))


@bp.get("/relationships")
@requires_role("volunteer")
def relationship_list():
    """The people the volunteer supports now."""
    profile = volunteers.get_profile(db.session, current_user)
    return render_page_or_fragment("volunteer/relationships.html", "volunteer/_relationships.html",
                                   pairs=relationships.active_for(db.session, profile))


@bp.get("/relationships/<uuid:match_id>")
@requires_role("volunteer")
def relationship(match_id: uuid.UUID):
    """The introduction (while active), the check-ins, and the ways to change or close."""
    match = _relationship(match_id)
    return _relationship_page(match, _check_in_form(match))


@bp.post("/relationships/<uuid:match_id>/first-contact")
@requires_role("volunteer")
def first_contact(match_id: uuid.UUID):
    """"We have spoken": one click, no content, so nobody needs to chase this relationship."""
    match = _relationship(match_id)
    follow_through.confirm_first_contact(db.session, match, actor=current_user)
    db.session.commit()
    return _relationship_page(match, _check_in_form(match),
                              message=_("Thank you. Nobody will remind you about a first call."))


@bp.post("/relationships/<uuid:match_id>/check-ins")
@requires_role("volunteer")
def check_in(match_id: uuid.UUID):
    """Log that you talked: a date, how, and one flag; never what was said."""
    match = _relationship(match_id)
    form = _check_in_form(match)
    if not form.validate_on_submit():
        return _relationship_page(match, form, status=422)
    entry = relationships.log_check_in(
        db.session, match, actor=current_user, occurred_on=form.occurred_on.data,
        mode=form.mode.data, flag=form.flag.data)
    db.session.commit()
    message = _check_in_message(entry.flag)
    if not wants_fragment():
        flash(message)
        return redirect(url_for("volunteer.relationship", match_id=match.id), code=303)
    return _relationship_page(match, _check_in_form(match, blank=True), message=message)


def _check_in_message(flag: str) -> str:
    if flag == relationships.SAFETY_CONCERN:
        return _("Thank you. The coordinator has been told and will contact you soon. If anyone "
                 "is in immediate danger, call 911.")
    if flag == "needs_referral":
        return _("Thank you. The referral directory may help, and so can the coordinator.")
    return _("Thank you. Your check-in is saved.")


@bp.route("/relationships/<uuid:match_id>/change", methods=["GET", "POST"])
@requires_role("volunteer")
def request_change(match_id: uuid.UUID):
    """Ask for a change, free of judgment; the coordinator takes it from here."""
    match = _relationship(match_id)
    if request.method == "POST":
        relationships.request_change(db.session, match, actor=current_user)
        db.session.commit()
        flash(_("Thank you for telling us. The coordinator will arrange the change and speak "
                "with the participant. There is nothing more you need to do."))
        return redirect_for_htmx(url_for("volunteer.home"))
    return render_template("volunteer/change.html", match=match,
                           alias=relationships.alias_of(db.session, match))


@bp.route("/relationships/<uuid:match_id>/close", methods=["GET", "POST"])
@requires_role("volunteer")
def close(match_id: uuid.UUID):
    """Close the relationship, with a reason from a short list."""
    match = _relationship(match_id)
    form = CloseForm()
    if form.validate_on_submit():
        relationships.close_relationship(db.session, match, actor=current_user,
                                         reason=form.reason.data)
        db.session.commit()
        flash(_("The relationship is closed. Thank you for the support you gave."))
        return redirect_for_htmx(url_for("volunteer.home"))
    return render_page_or_fragment("volunteer/close.html", "volunteer/_close_form.html",
                                   status=422 if form.errors else 200, match=match, form=form,
                                   alias=relationships.alias_of(db.session, match))


@bp.get("/referrals")
@requires_role("volunteer")
def referrals():
    """The referral directory, to read."""
    return render_template("volunteer/referrals.html",
                           groups=relationships.referral_directory(db.session))
