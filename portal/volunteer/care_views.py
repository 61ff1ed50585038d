"""Care for the volunteer: a private question about how they are doing (a debrief if they want
one), and the contacts and time they give, counted for the annual report."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portal.db import db
from portal.i18n import gettext as _
from portal.security.permissions import requires_role
from portal.services import volunteer_care, volunteers
from portal.services.errors import DomainError
from portal.volunteer import bp
from portal.volunteer.care_forms import ServiceLogForm, WellbeingForm
from portal.volunteer.views import saved


def _page(status: int = 200, **forms):
    profile = volunteers.get_profile(db.session, current_user)
    forms.setdefault("wellbeing_form", WellbeingForm(formdata=None))
    forms.setdefault("log_form", ServiceLogForm(formdata=None,
                                                day=volunteers.program_today(db.session)))
    return render_template("volunteer/care.html", check=volunteer_care.latest_check(
        db.session, profile), logs=volunteer_care.my_logs(db.session, profile), **forms), status


@bp.get("/care")
@requires_role("volunteer")
def care():
    return _page()


@bp.post("/care/wellbeing")
@requires_role("volunteer")
def wellbeing():
    """Kept for the volunteer alone; only a debrief request is passed on."""
    form = WellbeingForm()
    if not form.validate_on_submit():
        return _page(422, wellbeing_form=form)
    volunteer_care.answer(db.session, volunteers.get_profile(db.session, current_user),
                          answer=form.answer.data, debrief=bool(form.debrief.data),
                          actor=current_user)
    db.session.commit()
    message = _("Thank you. The coordinator will get in touch about a debrief.") \
        if form.debrief.data else _("Thank you for letting yourself check in.")
    return saved("volunteer.care", "volunteer/_care_saved.html", message)


@bp.post("/care/log")
@requires_role("volunteer")
def log_service():
    form = ServiceLogForm()
    if not form.validate_on_submit():
        return _page(422, log_form=form)
    try:
        volunteer_care.log_service(
            db.session, volunteers.get_profile(db.session, current_user), day=form.day.data,
            contacts=form.contacts.data or 0,
            minutes=(form.hours.data or 0) * 60 + (form.minutes.data or 0))
    except DomainError as problem:
        form.day.errors = [str(problem)]
        return _page(422, log_form=form)
    db.session.commit()
    return saved("volunteer.care", "volunteer/_care_saved.html", _("Logged. Thank you."))
