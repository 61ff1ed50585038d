"""The coordinator's entry of a request taken by phone, in person or from a referral: the same
questions as the participant's own steps, and how the request came in and the person agreed."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField
from wtforms.validators import Email, Length, Optional

from portal import vocab
from portal.forms import Radio
from portal.i18n import lazy_gettext as _l
from portal.intake_steps import STEPS, StepForm

DANGER = Radio(_l("Are they in immediate danger, or thinking about harming themselves or "
                  "someone else?"), choices=[("yes", _l("Yes")), ("no", _l("No"))])


class EntrySafetyForm(FlaskForm):
    danger = DANGER


class OnBehalfForm(FlaskForm):
    danger = HiddenField()
    submission_token = HiddenField(validators=[Length(min=16, max=100, message=_l(
        "This form was not sent whole. Please check it and send it again."))])
    channel = Radio(_l("How did the request come in?"), choices=vocab.INTAKE_CHANNELS)
    consent_method = Radio(_l("How did they agree to the program's principles and to our keeping "
                              "their answers?"), choices=vocab.CONSENT_METHODS)
    reach_by = Radio(_l("How do they want to be reached?"), choices=vocab.REACH_BY)
    email = EmailField(
        _l("Their email (only if they want to be reached by email)"),
        validators=[Optional(), Length(max=254, message=_l("That email address is too long.")),
                    Email(_l("Please enter an email address like name@example.com."))],
        filters=[lambda value: value.strip() if value else value])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.reach_by.data == "email" and not self.email.data:
            # (Optional() ends the field's own chain when it is empty, so this is checked here.)
            self.email.errors = [*self.email.errors, _l(
                "Please enter their email address, or choose another way to reach them.")]
            ok = False
        return ok


def step_forms(formdata) -> dict[str, StepForm]:
    """The participant's steps over ``formdata``; the email is asked above, with how to reach."""
    forms = {step: form_class(formdata=formdata) for step, form_class in STEPS.items()}
    del forms["contact"].email
    return forms
