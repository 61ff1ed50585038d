"""The participant's own forms around the request's questions: the safety question first, the
agreements and password last, and erasing their data. The questions are ``portal.intake_steps``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField
from wtforms.validators import InputRequired, Length

from portal.forms import Radio, new_password_field, password_again_field
from portal.i18n import lazy_gettext as _l
from portal.intake_steps import StepForm


class SafetyForm(StepForm):
    title = _l("Before we begin")
    danger = Radio(_l("Are you in immediate danger, or thinking about harming yourself or "
                      "someone else?"), choices=[("yes", _l("Yes")), ("no", _l("No"))])


class ConsentForm(StepForm):
    title = _l("Check and send")
    principles = BooleanField(
        _l("I have read the program's principles and understand what peer support is and is not."),
        validators=[InputRequired(_l("Please tick this box to continue."))],
    )
    storage = BooleanField(
        _l("I agree that the program keeps what I've shared, as described above."),
        validators=[InputRequired(_l("Please tick this box to continue."))],
    )
    submission_token = HiddenField()
    consent_version = HiddenField()  # the version shown, recorded with the agreement
    password = new_password_field()
    password_again = password_again_field()


class EraseForm(FlaskForm):
    """Deleting my data: a deliberate tick and the password once more."""

    understood = BooleanField(
        _l("I understand that this deletes my information and cannot be undone."),
        validators=[InputRequired(_l("Please tick this box to confirm."))],
    )
    password = PasswordField(_l("Your password"), validators=[
        InputRequired(_l("Please enter your password.")), Length(max=256)])


class ChoosePasswordForm(FlaskForm):
    """Confirming an address that comes with no password yet (a request entered for them)."""

    password = new_password_field()
    password_again = password_again_field()
