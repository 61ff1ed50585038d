"""One referral resource: bounded fields, a category from the directory's list."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, InputRequired, Length, Optional, Regexp

from portal.forms import NoNulCharacter
from portal.i18n import lazy_gettext as _l
from portal.vocab import REFERRAL_CATEGORIES

PHONE = r"^[0-9+()\-. ]{3,40}$"


class ResourceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Give the resource a name.")),
                                               Length(max=160), NoNulCharacter()])
    category = SelectField(_l("Category"), validators=[InputRequired()],
                           choices=[SelectChoice(c, label) for c, label in REFERRAL_CATEGORIES],
                           invalid_choice_message=_l("Please choose one of the categories shown."))
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40),
                                                 Regexp(PHONE, message=_l("Use digits, spaces, + ( ) - only."))])
    url = StringField(_l("Web address"), validators=[Optional(), Length(max=300), NoNulCharacter(),
                                                     URL(require_tld=True, message=_l("Enter a full address starting with https://"))])
    region = StringField(_l("Region served"), validators=[Optional(), Length(max=32),
                                                          NoNulCharacter()])
    always_open = BooleanField(_l("Open 24/7"))
    hours = StringField(_l("Hours"), validators=[Optional(), Length(max=120), NoNulCharacter()])
    description = TextAreaField(_l("What it offers"), validators=[Optional(), Length(max=500),
                                                                 NoNulCharacter()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not (self.phone.data or self.url.data):
            self.phone.errors.append(_l("Give a phone number or a web address, so people can reach it."))
            ok = False
        if ok and self.url.data and not self.url.data.lower().startswith(("https://", "http://")):
            self.url.errors.append(_l("Enter a full address starting with https://"))
            ok = False
        return ok
