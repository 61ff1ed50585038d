"""The volunteer's care page: the private wellbeing question, and contacts and time given."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional

from portal.forms import Radio
from portal.i18n import lazy_gettext as _l
from portal.services.volunteer_care import MAX_CONTACTS, WELLBEING_ANSWERS


class WellbeingForm(FlaskForm):
    answer = Radio(_l("How are you doing with this role?"), choices=WELLBEING_ANSWERS)
    debrief = BooleanField(_l("I would like a debrief with the coordinator"))


class ServiceLogForm(FlaskForm):
    day = DateField(_l("Day"), validators=[InputRequired(_l("Please give the day."))])
    contacts = IntegerField(_l("Conversations or contacts"), default=1, validators=[
        Optional(), NumberRange(0, MAX_CONTACTS, _l("Between 0 and 50."))])
    hours = IntegerField(_l("Hours"), default=0, validators=[
        Optional(), NumberRange(0, 24, _l("Between 0 and 24 hours."))])
    minutes = IntegerField(_l("Minutes"), default=0, validators=[
        Optional(), NumberRange(0, 59, _l("Between 0 and 59 minutes."))])
