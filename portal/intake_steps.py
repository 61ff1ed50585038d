"""The questions of a request, shared by the participant's own steps and the coordinator's
entry of a request taken by phone: one small form each, every field bounded, errors in plain
words; and the answers they make for the intake service.
"""

from __future__ import annotations

from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from portal import vocab
from portal.forms import (
    CHOOSE_REGION,
    NAMES_TEXT,
    AtLeastOne,
    Checkboxes,
    Chosen,
    ListSelect,
    NameList,
    PhoneNumber,
    Radio,
    Select,
    split_names,
    with_blank,
)
from portal.i18n import lazy_gettext as _l
from portal.services.intake import Answers


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
                         choices=with_blank(vocab.CAREER_BANDS, _l("Choose one")),
                         validators=[Chosen()])
    practice_area = ListSelect(_l("Main practice area"), list_name="practice_areas",
                               blank=_l("Not applicable"))
    region = ListSelect(_l("Where you live or work"), list_name="regions", blank=_l("Choose one"),
                        validators=[Chosen(CHOOSE_REGION)])
    share_region = BooleanField(_l("A volunteer who is asked to support me may see my region"))
    languages = Checkboxes(_l("Languages you are comfortable talking in"),
                           choices=vocab.LANGUAGES,
                           validators=[AtLeastOne(_l("Please choose at least one language."))])
    gender = Radio(_l("Your gender (optional)"), choices=vocab.GENDERS, optional=True)


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
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=30), PhoneNumber()],
                        filters=[lambda value: value.strip() if value else value])
    voicemail_ok = BooleanField(_l("It is safe to leave a voicemail at this number"))
    contact_times = StringField(
        _l("Best times to reach you (optional)"),
        validators=[Optional(), Length(max=200, message=_l(
            "Please keep this to 200 characters or fewer."))],
    )



class ConflictsForm(StepForm):
    title = _l("People and firms to avoid")
    firms = TextAreaField(_l("Firms or employers, current or former (optional)"),
                          validators=[NAMES_TEXT, NameList()])
    people = TextAreaField(_l("People you would rather not be matched with (optional)"),
                           validators=[NAMES_TEXT, NameList()])


# The order of the wizard after the safety question; the keys appear in the URLs.
STEPS: dict[str, type[StepForm]] = {
    "about": AboutForm,
    "support": SupportForm,
    "preferences": PreferencesForm,
    "availability": AvailabilityForm,
    "contact": ContactForm,
    "conflicts": ConflictsForm,
}


def mask_of_cells(cells: list[str]) -> int:
    """The 28-bit weekly grid of the ticked ``day_part`` cells."""
    days, parts = vocab.codes(vocab.DAYS), vocab.codes(vocab.PARTS_OF_DAY)
    mask = 0
    for cell in cells:
        day, _sep, part = cell.partition("_")
        mask |= 1 << vocab.cell_index(days.index(day), parts.index(part))
    return mask


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _chosen(data: dict, preference: str, choice: str) -> str | None:
    """The chosen value, only when the matching preference asks for one."""
    return (data[choice] or None) if data[preference] != "none" else None


def answers_from(data: dict, urgent: bool) -> Answers:
    """The checked answers of every step's form data, for the intake service."""
    phone = _text(data["phone"])
    return Answers(
        alias=data["alias"], member_type=data["member_type"], career_band=data["career_band"],
        region=data["region"], share_region=bool(data["share_region"]),
        languages=data["languages"], concerns=data["concerns"],
        availability_mask=mask_of_cells(data["cells"]), practice_area=data["practice_area"] or None,
        gender=data["gender"] or None, primary_concern=data["primary_concern"] or None,
        note=_text(data["note"]), gender_pref=data["gender_pref"],
        preferred_gender=_chosen(data, "gender_pref", "preferred_gender"),
        practice_pref=data["practice_pref"], career_pref_similar=bool(data["career_pref_similar"]),
        region_pref=data["region_pref"], language_pref=data["language_pref"],
        preferred_language=_chosen(data, "language_pref", "preferred_language"),
        phone=phone, voicemail_ok=bool(data["voicemail_ok"]) and phone is not None,
        contact_times=_text(data["contact_times"]), firms=split_names(data["firms"]),
        people=split_names(data["people"]), urgent=urgent,
    )
