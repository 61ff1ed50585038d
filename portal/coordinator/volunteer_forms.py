"""The coordinator's volunteer-management forms: invite, screening, training."""

from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from portal.forms import NoNulCharacter
from portal.i18n import lazy_gettext as _l
from portal.volunteer.forms import DATE_MESSAGE, Day

YEARS_BACK = 10


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Their email address"), filters=[lambda value: value.strip() if value else value],
        validators=[InputRequired(_l("Please enter an email address.")),
                    Length(max=254, message=_l("That email address is too long.")),
                    Email(_l("Please enter an email address like name@example.com."))])


class _OnDay(FlaskForm):
    """A form whose day must be in the past ten years and not in the future."""

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def check_day(self, day: date | None) -> None:
        if day is None:
            return
        if day > self.today:
            raise ValidationError(_l("Please choose today or an earlier day."))
        if day < self.today - timedelta(days=365 * YEARS_BACK):
            raise ValidationError(_l("Please choose a day in the last %(n)d years.", n=YEARS_BACK))


class ScreeningForm(_OnDay):
    screened_on = Day(_l("Screened on"), validators=[InputRequired(DATE_MESSAGE)])

    def validate_screened_on(self, field):
        self.check_day(field.data)


class TrainingForm(_OnDay):
    trained_on = Day(_l("Training completed on"), validators=[InputRequired(DATE_MESSAGE)])
    course = StringField(
        _l("Course"), filters=[lambda value: " ".join(value.split()) if value else value],
        validators=[DataRequired(_l("Please name the course.")),
                    Length(min=2, max=120,
                           message=_l("Please enter between 2 and 120 characters.")),
                    NoNulCharacter()])

    def __init__(self, *args, screened_on: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.screened_on = screened_on

    def validate_trained_on(self, field):
        self.check_day(field.data)
        if field.data and self.screened_on and field.data < self.screened_on:
            raise ValidationError(_l("Training cannot be completed before screening."))
