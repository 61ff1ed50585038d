"""Home, profile and boundaries, and the availability page (grid, time away, pause)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.auth.pulse_views import pulse_context
from portal.db import db
from portal.htmx import render_page_or_fragment, wants_fragment
from portal.i18n import gettext as _
from portal.security.permissions import requires_role
from portal.services import offers, relationships, volunteers
from portal.volunteer import bp
from portal.volunteer.forms import AvailabilityForm, AwayForm, CellForm, PauseForm, ProfileForm


def saved(endpoint: str, fragment: str, message: str, **context):
    """After a change: the updated fragment for htmx, else back to the page (post/redirect/get)."""
    if wants_fragment():
        return render_template(fragment, message=message, **context)
    flash(message)
    return redirect(url_for(endpoint), code=303)


def _profile():
    return volunteers.get_profile(db.session, current_user)


def _problems(profile) -> list[str]:
    return volunteers.matching_problems(db.session, profile, volunteers.program_today(db.session))


@bp.get("/")
@requires_role("volunteer")
def home():
    """What is waiting for the volunteer, and whether they can be offered someone."""
    profile = _profile()
    return render_template(
        "volunteer/home.html", profile=profile, problems=_problems(profile),
        offers=offers.open_offers(db.session, profile),
        pairs=relationships.active_for(db.session, profile), **pulse_context(current_user),
    )


@bp.route("/profile", methods=["GET", "POST"])
@requires_role("volunteer")
def profile():
    """Profile and boundaries; saving keeps the typed values when something needs fixing."""
    profile = _profile()
    form = ProfileForm.for_profile(profile)
    if form.validate_on_submit():
        volunteers.update_profile(db.session, profile, form.changes(), actor=current_user)
        db.session.commit()
        return saved("volunteer.profile", "volunteer/_profile_form.html",
                     _("Your profile is saved. Thank you."), form=form, profile=profile,
                     problems=_problems(profile))
    return render_page_or_fragment("volunteer/profile.html", "volunteer/_profile_form.html",
                                   status=422 if form.errors else 200, form=form, profile=profile,
                                   problems=_problems(profile))


def _availability_page(profile, status=200, **forms):
    today = volunteers.program_today(db.session)
    forms.setdefault("grid_form", AvailabilityForm(formdata=None))
    forms.setdefault("away_form", AwayForm(formdata=None, obj=profile, today=today))
    return render_template("volunteer/availability.html", profile=profile, today=today,
                           **forms), status


@bp.route("/availability", methods=["GET", "POST"])
@requires_role("volunteer")
def availability():
    """The weekly grid, time away and pause; the grid's plain form posts here without JS."""
    profile = _profile()
    form = AvailabilityForm()
    if form.validate_on_submit():
        volunteers.set_availability(db.session, profile, form.mask(), actor=current_user)
        db.session.commit()
        return saved("volunteer.availability", "volunteer/_grid.html",
                     _("Your times are saved."), profile=profile, grid_form=form)
    if form.is_submitted():
        return _availability_page(profile, 422, grid_form=form)
    return _availability_page(profile)


@bp.post("/availability/cells/<int:cell>")
@requires_role("volunteer")
def set_cell(cell):
    """Switch one cell of the grid on or off in place."""
    profile = _profile()
    form = CellForm()
    if not form.validate_on_submit():
        abort(400)
    volunteers.set_cell(db.session, profile, cell, form.on.data == "1", actor=current_user)
    db.session.commit()
    if not wants_fragment():
        return redirect(url_for("volunteer.availability"), code=303)
    return render_template("volunteer/_cell.html", cell=cell, mask=profile.availability_mask)


@bp.post("/away")
@requires_role("volunteer")
def away():
    """Set a period away: no new offers on those days."""
    profile = _profile()
    form = AwayForm(today=volunteers.program_today(db.session))
    if form.validate_on_submit():
        volunteers.set_away(db.session, profile, start=form.away_from.data,
                            end=form.away_until.data, actor=current_user)
        db.session.commit()
        return saved("volunteer.availability", "volunteer/_away.html",
                     _("Your time away is saved."), profile=profile, away_form=form)
    if wants_fragment():
        return render_template("volunteer/_away.html", profile=profile, away_form=form), 422
    return _availability_page(profile, 422, away_form=form)


@bp.post("/away/clear")
@requires_role("volunteer")
def away_clear():
    """Back from time away."""
    profile = _profile()
    volunteers.set_away(db.session, profile, start=None, end=None, actor=current_user)
    db.session.commit()
    form = AwayForm(formdata=None, today=volunteers.program_today(db.session))
    return saved("volunteer.availability", "volunteer/_away.html", _("Welcome back."),
                 profile=profile, away_form=form)


@bp.post("/pause")
@requires_role("volunteer")
def pause():
    """The pause switch: no new offers while paused; current relationships carry on."""
    profile = _profile()
    form = PauseForm()
    if not form.validate_on_submit():
        abort(400)
    paused = form.paused.data == "1"
    volunteers.set_paused(db.session, profile, paused, actor=current_user)
    db.session.commit()
    message = _("New offers are paused.") if paused else _("New offers are welcome again.")
    return saved("volunteer.availability", "volunteer/_pause.html", message, profile=profile)
