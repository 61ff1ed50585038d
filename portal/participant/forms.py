"""The self-referral steps: one small form each, every field bounded, errors in plain words."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from portal import vocab
from portal.forms import (
    NAMES_TEXT,
    PICK_ONE,
    AtLeastOne,
    Checkboxes,
    NameList,
    Radio,
    Select,
    new_password_field,
    password_again_field,
    with_blank,
)

PHONE_CHARS = re.compile(r"^\+?[0-9 ().\-]{7,30}$")


def _cell_label(day_label, part_label) -> LazyString:
    """"Monday evening", translated when shown, not at import."""
    return LazyString(lambda: f"{day_label} {str(part_label).lower()}")


def _cell_choices():
    return [
        (f"{day}_{part}", _cell_label(day_label, part_label))
        for day, day_label in vocab.DAYS for part, part_label in vocab.PARTS_OF_DAY
    ]



class StepForm(FlaskForm):
    """A wizard step; ``title`` heads its page."""

    class Meta:
        # Every POST is already checked by CSRFProtect (the pages carry the token), and steps
        # are also rebuilt from the draft, where no token belongs.
        csrf = False

    title = ""

    @classmethod
    def field_names(cls) -> list[str]:
        """The names of the step's own fields, in declaration order."""
        unbound = [(getattr(cls, name).creation_counter, name) for name in dir(cls)
                   if isinstance(getattr(cls, name, None), UnboundField)]
        return [name for _counter, name in sorted(unbound)]


class SafetyForm(StepForm):
    title = _l("Before we begin")
    danger = Radio(_l("Are you in immediate danger, or thinking about harming yourself or "
                      "someone else?"), choices=[("yes", _l("Yes")), ("no", _l("No"))])


class AboutForm(StepForm):
    title = _l("About you")
    alias = StringField(
        _l("What should we call you?"),
        validators=[InputRequired(_l("Please tell us a name to use. A first name or any name "
                                     "you like is fine.")),
                    Length(max=60, message=_l("Please keep this to 60 characters or fewer."))],
        filters=[lambda value: " ".join(value.split()) if value else value],
    )
    member_type = Radio(_l("Which describes you best?"), choices=vocab.MEMBER_TYPES)
    career_band = Select(_l("Years since your call to the bar"),
                         choices=with_blank(vocab.CAREER_BANDS, _l("Choose one")))
    practice_area = Select(_l("Main practice area"),
                           choices=with_blank(vocab.PRACTICE_AREAS, _l("Not applicable")))
    region = Select(_l("Where you live or work"),
                    choices=with_blank(vocab.REGIONS, _l("Choose one")))
    share_region = BooleanField(_l("A volunteer who is asked to support me may see my region"))
    languages = Checkboxes(_l("Languages you are comfortable talking in"),
                           choices=vocab.LANGUAGES,
                           validators=[AtLeastOne(_l("Please choose at least one language."))])
    gender = Radio(_l("Your gender (optional)"), choices=vocab.GENDERS, optional=True)

    def validate_career_band(self, field):
        if not field.data:
            raise ValidationError(PICK_ONE)

    def validate_region(self, field):
        if not field.data:
            raise ValidationError(_l("Please choose the region closest to you."))


class SupportForm(StepForm):
    title = _l("What you'd like support with")
    concerns = Checkboxes(
        _l("What would you like to talk about?"), choices=vocab.CONCERNS,
        validators=[AtLeastOne(_l("Please choose at least one. You can choose as many as fit."))],
    )
    primary_concern = Select(_l("Which matters most right now? (optional)"),
                             choices=with_blank(vocab.CONCERNS, _l("No need to choose")))
    note = TextAreaField(
        _l("Anything else you'd like us to know (optional)"),
        validators=[Optional(), Length(max=2000, message=_l(
            "Please keep this to 2,000 characters or fewer."))],
    )

    def validate_primary_concern(self, field):
        if field.data and field.data not in (self.concerns.data or []):
            raise ValidationError(_l("Please choose one of the topics you ticked above, "
                                     "or leave this empty."))


class PreferencesForm(StepForm):
    title = _l("Your peer")
    gender_pref = Radio(_l("Your peer's gender"), choices=vocab.GENDER_PREFERENCES,
                        default="none")
    preferred_gender = Select(_l("Which gender?"), choices=with_blank(
        [g for g in vocab.GENDERS if g[0] != "prefer_not"], _l("Choose one")))
    practice_pref = Radio(_l("Practice area"), choices=vocab.PRACTICE_PREFERENCES, default="none")
    career_pref_similar = BooleanField(_l("I'd like someone at a similar stage of their career"))
    region_pref = Radio(_l("Region"), choices=vocab.REGION_PREFERENCES, default="none")
    language_pref = Radio(_l("Language"), choices=vocab.LANGUAGE_PREFERENCES, default="none")
    preferred_language = Select(_l("Which language?"),
                                choices=with_blank(vocab.LANGUAGES, _l("Choose one")))

    def validate_preferred_gender(self, field):
        if self.gender_pref.data in ("preferred", "required") and not field.data:
            raise ValidationError(_l("Please choose a gender, or set this to no preference."))

    def validate_preferred_language(self, field):
        if self.language_pref.data in ("preferred", "required") and not field.data:
            raise ValidationError(_l("Please choose a language, or set this to no preference."))


class AvailabilityForm(StepForm):
    title = _l("When you're usually free")
    cells = Checkboxes(_l("Times that usually suit you"), choices=_cell_choices(),
                       validators=[AtLeastOne(_l("Please tick at least one time that usually "
                                                 "suits you."))])


class ContactForm(StepForm):
    title = _l("How to reach you")
    email = EmailField(
        _l("Email"),
        validators=[InputRequired(_l("Please enter an email address we can use.")),
                    Length(max=254, message=_l("That email address is too long.")),
                    Email(_l("Please enter an email address like name@example.com."))],
        filters=[lambda value: value.strip() if value else value],
    )
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=30)],
                        filters=[lambda value: value.strip() if value else value])
    voicemail_ok = BooleanField(_l("It is safe to leave a voicemail at this number"))
    contact_times = StringField(
        _l("Best times to reach you (optional)"),
        validators=[Optional(), Length(max=200, message=_l(
            "Please keep this to 200 characters or fewer."))],
    )

    def validate_phone(self, field):
        digits = sum(ch.isdigit() for ch in field.data or "")
        if not PHONE_CHARS.match(field.data or "") or not 7 <= digits <= 15:
            raise ValidationError(_l("Please enter a phone number using digits, for example "
                                     "403-555-0123."))


class ConflictsForm(StepForm):
    title = _l("People and firms to avoid")
    firms = TextAreaField(_l("Firms or employers, current or former (optional)"),
                          validators=[NAMES_TEXT, NameList()])
    people = TextAreaField(_l("People you would rather not be matched with (optional)"),
                           validators=[NAMES_TEXT, NameList()])


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


# The order of the wizard after the safety question; the keys appear in the URLs.
STEPS: dict[str, type[StepForm]] = {
    "about": AboutForm,
    "support": SupportForm,
    "preferences": PreferencesForm,
    "availability": AvailabilityForm,
    "contact": ContactForm,
    "conflicts": ConflictsForm,
}


class EraseForm(FlaskForm):
    """Deleting my data: a deliberate tick and the password once more."""

    understood = BooleanField(
        _l("I understand that this deletes my information and cannot be undone."),
        validators=[InputRequired(_l("Please tick this box to confirm."))],
    )
    password = PasswordField(_l("Your password"), validators=[
        InputRequired(_l("Please enter your password.")), Length(max=256)])
