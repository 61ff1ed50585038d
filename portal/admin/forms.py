"""The settings form: every bound checked on the server, in plain words."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, FieldList, Form, FormField, IntegerField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from portal.forms import NoNulCharacter, Radio, Select
from portal.i18n import lazy_gettext as _l
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
    name_fr = StringField(_l("Name in French (optional)"), validators=[Optional(),
                                                                      Length(max=120)])
    hours_fr = StringField(_l("Hours in French (optional)"), validators=[Optional(),
                                                                        Length(max=60)])


def _weight_field(name):
    return IntegerField(CRITERION_LABELS[name], validators=[
        InputRequired(_l("Enter a number from 0 to 100.")),
        NumberRange(0, 100, _l("Enter a number from 0 to 100."))])


class SettingsForm(FlaskForm):
    program_name = StringField(_l("Program name"), validators=[InputRequired(), Length(max=80)])
    program_contact = StringField(_l("Contact line"), validators=[InputRequired(), Length(max=200)])
    program_contact_fr = StringField(_l("Contact line in French (optional)"),
                                     validators=[Optional(), Length(max=200)])
    offer_reminder_hours = IntegerField(_l("Remind a volunteer before an offer ends (hours)"),
                                        validators=[InputRequired(), NumberRange(
                                            1, 240, _l("Between 1 and 240 hours."))])
    contact_remind_days = IntegerField(_l("Remind a volunteer with no first contact after (days)"),
                                       validators=[InputRequired(), NumberRange(
                                           1, 30, _l("Between 1 and 30 days."))])
    contact_escalate_days = IntegerField(_l("Tell the coordinator after (days)"), validators=[
        InputRequired(), NumberRange(1, 60, _l("Between 1 and 60 days."))])
    quiet_remind_weeks = IntegerField(_l("Remind a volunteer with no check-in after (weeks)"),
                                      validators=[InputRequired(_l("Between 1 and 26 weeks.")),
                                                  NumberRange(1, 26, _l("Between 1 and 26 weeks."))])
    quiet_escalate_weeks = IntegerField(_l("Tell the coordinator after (weeks)"), validators=[
        InputRequired(_l("Between 1 and 52 weeks.")),
        NumberRange(1, 52, _l("Between 1 and 52 weeks."))])
    approval_months = IntegerField(_l("A volunteer's approval lasts (months)"), validators=[
        InputRequired(_l("Between 1 and 60 months.")),
        NumberRange(1, 60, _l("Between 1 and 60 months."))])
    approval_reminder_days = IntegerField(_l("Remind a volunteer before their approval ends "
                                             "(days)"), validators=[
        InputRequired(_l("Between 1 and 120 days.")),
        NumberRange(1, 120, _l("Between 1 and 120 days."))])
    offer_expiry_hours = IntegerField(_l("Offers expire after (hours)"), validators=[
        InputRequired(), NumberRange(1, 720, _l("Between 1 and 720 hours."))])
    program_timezone = StringField(_l("Program time zone"), validators=[_zone])
    quiet_start = StringField(_l("Quiet hours start"), validators=[InputRequired(), _clock])
    quiet_end = StringField(_l("Quiet hours end"), validators=[InputRequired(), _clock])
    retention_months = IntegerField(_l("Keep closed requests for (months)"), validators=[
        InputRequired(), NumberRange(1, 120, _l("Between 1 and 120 months."))])
    suppression_threshold = IntegerField(_l("Hide report counts below"), validators=[
        InputRequired(), NumberRange(5, 100, _l("At least 5 (and at most 100)."))])
    show_staff_names = BooleanField(_l("Participants see the name of the staff member who looked "
                                       "at their request"))
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
        if ok and self.contact_escalate_days.data <= self.contact_remind_days.data:
            self.contact_escalate_days.errors.append(_l(
                "Tell the coordinator later than the volunteer's reminder."))
            ok = False
        if ok and self.quiet_escalate_weeks.data <= self.quiet_remind_weeks.data:
            self.quiet_escalate_weeks.errors.append(_l(
                "Tell the coordinator later than the volunteer's reminder."))
            ok = False
        if ok and self.approval_reminder_days.data >= 28 * self.approval_months.data:
            self.approval_reminder_days.errors.append(_l(
                "Remind before the approval ends: fewer days than the approval lasts."))
            ok = False
        if ok and self.offer_reminder_hours.data >= self.offer_expiry_hours.data:
            self.offer_reminder_hours.errors.append(_l("Remind before the offer ends: fewer "
                                                       "hours than offers last."))
            ok = False
        for entry in self.crisis_resources:
            if bool(entry.form.name.data) != bool(entry.form.phone.data):
                entry.form.phone.errors.append(_l("Give both a name and a phone number, or neither."))
                ok = False
            elif (entry.form.name_fr.data or entry.form.hours_fr.data) and not entry.form.name.data:
                entry.form.name_fr.errors.append(_l("Give the English name and phone number too, "
                                                    "or leave the French empty."))
                ok = False
            elif entry.form.hours.data and not entry.form.name.data:
                # Hours alone would be dropped on saving: say so rather than lose them quietly.
                entry.form.hours.errors.append(_l("Give a name and a phone number for these "
                                                  "hours, or leave the hours empty."))
                ok = False
        return ok


class StaffInviteForm(FlaskForm):
    email = EmailField(
        _l("Their email address"), filters=[lambda value: value.strip() if value else value],
        validators=[InputRequired(_l("Please enter an email address.")),
                    Length(max=254, message=_l("That email address is too long.")),
                    Email(_l("Please enter an email address like name@example.com."))])
    name = StringField(_l("Their name (optional)"), validators=[Optional(), Length(max=80),
                                                                 NoNulCharacter()],
                       filters=[lambda value: value.strip() if value else value])
    role = Radio(_l("Role"), choices=(("coordinator", _l("Coordinator")),
                                      ("admin", _l("Admin: also settings, staff and the audit log"))))


def _squash(value):
    return " ".join(value.split()) if value else value


def _words(field_id=None):
    return StringField(_l("Words people see"), id=field_id, filters=[_squash], validators=[
        DataRequired(_l("Please enter the words people will see.")),
        Length(max=80, message=_l("Please keep this to 80 characters or fewer.")),
        NoNulCharacter()])


def _words_fr(field_id=None):
    return StringField(_l("In French (optional)"), id=field_id, filters=[_squash], validators=[
        Optional(), Length(max=80, message=_l("Please keep this to 80 characters or fewer.")),
        NoNulCharacter()])


class ListEntryForm(FlaskForm):
    """An entry's words on one of the program's lists (the code is made from them, once)."""

    label = _words()
    label_fr = _words_fr()


class RenameEntryForm(ListEntryForm):
    """New words for one entry of a list (its choices are the list's entries, set by the view).

    The list's page shows both forms: these fields have ids of their own (the same names)."""

    code = Select(_l("Which entry"), choices=[])
    label = _words("rename_label")
    label_fr = _words_fr("rename_label_fr")

    def validate_code(self, field):
        if not field.data:
            raise ValidationError(_l("Please choose the entry to change."))
