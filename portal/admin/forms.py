"""The settings form: every bound checked on the server, in plain words."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, IntegerField, StringField
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from portal.matching.records import CRITERIA
from portal.services.calendar import is_zone

CRITERION_LABELS = {
    "experience": _l("Shared lived experience"), "career_stage": _l("Career stage"),
    "practice_area": _l("Practice area"), "availability": _l("Availability overlap"),
    "region": _l("Region"), "preferences": _l("Preferred gender and language"),
    "load_balance": _l("Load balance"),
}


def _clock(_form, field):
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", field.data or ""):
        raise ValidationError(_l("Use a 24-hour time like 21:00."))


def _zone(_form, field):
    if not field.raw_data:  # posted from a page that predates the field: the zone stays
        raise StopValidation()
    if not is_zone((field.data or "").strip()):
        raise ValidationError(_l("Use a time zone name like America/Edmonton."))


class CrisisResourceForm(Form):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    hours = StringField(_l("Hours"), validators=[Optional(), Length(max=60)])


def _weight_field(name):
    return IntegerField(CRITERION_LABELS[name], validators=[
        InputRequired(_l("Enter a number from 0 to 100.")),
        NumberRange(0, 100, _l("Enter a number from 0 to 100."))])


class SettingsForm(FlaskForm):
    program_name = StringField(_l("Program name"), validators=[InputRequired(), Length(max=80)])
    program_contact = StringField(_l("Contact line"), validators=[InputRequired(), Length(max=200)])
    offer_expiry_hours = IntegerField(_l("Offers expire after (hours)"), validators=[
        InputRequired(), NumberRange(1, 720, _l("Between 1 and 720 hours."))])
    program_timezone = StringField(_l("Program time zone"), validators=[_zone])
    quiet_start = StringField(_l("Quiet hours start"), validators=[InputRequired(), _clock])
    quiet_end = StringField(_l("Quiet hours end"), validators=[InputRequired(), _clock])
    retention_months = IntegerField(_l("Keep closed requests for (months)"), validators=[
        InputRequired(), NumberRange(1, 120, _l("Between 1 and 120 months."))])
    suppression_threshold = IntegerField(_l("Hide report counts below"), validators=[
        InputRequired(), NumberRange(5, 100, _l("At least 5 (and at most 100)."))])
    crisis_resources = FieldList(FormField(CrisisResourceForm), min_entries=5, max_entries=5)

    for _name in CRITERIA:
        locals()[f"weight_{_name}"] = _weight_field(_name)
    del _name

    def weight_fields(self):
        return [getattr(self, f"weight_{name}") for name in CRITERIA]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and sum(field.data for field in self.weight_fields()) == 0:
            self.weight_experience.errors.append(_l("At least one weight must be above zero."))
            ok = False
        for entry in self.crisis_resources:
            if bool(entry.form.name.data) != bool(entry.form.phone.data):
                entry.form.phone.errors.append(_l("Give both a name and a phone number, or neither."))
                ok = False
            elif entry.form.hours.data and not entry.form.name.data:
                # Hours alone would be dropped on saving: say so rather than lose them quietly.
                entry.form.hours.errors.append(_l("Give a name and a phone number for these "
                                                  "hours, or leave the hours empty."))
                ok = False
        return ok
