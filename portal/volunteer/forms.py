"""The volunteer's forms: every field bounded, every error in plain words beside its field."""

from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from portal import vocab
from portal.forms import (
    CHOOSE_REGION,
    AtLeastOne,
    Checkboxes,
    Chosen,
    ListSelect,
    NameList,
    Radio,
    Select,
    new_password_field,
    password_again_field,
    split_names,
    with_blank,
)
from portal.i18n import lazy_gettext as _l
from portal.models import ConflictKind
from portal.services import relationships, volunteers
from portal.services.volunteers import ProfileChanges

DAYS_AHEAD = 365
DATE_MESSAGE = _l("Please enter a date like 2026-03-31.")


def _squash(value):
    return " ".join(value.split()) if value else value


class Day(DateField):
    """A calendar day; a typed value that is not a date gets a plain-words message."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(DATE_MESSAGE)) from None


def _cell_label(cell: int) -> str:
    day, part = divmod(cell, len(vocab.PARTS_OF_DAY))
    return f"{vocab.DAYS[day][1]} {str(vocab.PARTS_OF_DAY[part][1]).lower()}"


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("The name participants will know you by"), filters=[_squash],
        validators=[DataRequired(_l("Please enter a name. A first name is fine.")),
                    Length(max=60, message=_l("Please keep this to 60 characters or fewer."))])
    full_name = StringField(
        _l("Your full name"), filters=[_squash],
        validators=[DataRequired(_l("Please enter your full name, so we can avoid conflicts.")),
                    Length(min=2, max=120,
                           message=_l("Please enter between 2 and 120 characters."))])
    experience = Checkboxes(_l("Lived experience you are comfortable drawing on (optional)"),
                            choices=vocab.CONCERNS)
    boundaries = Checkboxes(_l("Areas you would rather not take on (optional)"),
                            choices=vocab.CONCERNS)
    practice_area = ListSelect(_l("Main practice area"), list_name="practice_areas",
                               validators=[Chosen()])
    career_band = Select(_l("Years since your call to the bar"),
                         choices=with_blank(vocab.CAREER_BANDS), validators=[Chosen()])
    region = ListSelect(_l("Region"), list_name="regions", validators=[Chosen(CHOOSE_REGION)])
    languages = Checkboxes(_l("Languages you can support someone in"), choices=vocab.LANGUAGES,
                           validators=[AtLeastOne(_l("Please choose at least one language."))])
    gender = Radio(_l("Your gender (optional)"), choices=vocab.GENDERS, optional=True)
    firms = TextAreaField(_l("Firms or employers, current and former (optional)"),
                          validators=[NameList()])
    note_for_coordinator = TextAreaField(
        _l("A note for the coordinator (optional)"),
        validators=[Optional(), Length(max=1000, message=_l(
            "Please keep this to 1,000 characters or fewer."))])
    capacity = Select(
        _l("How many people could you support at the same time?"),
        choices=[(str(n), str(n))
                 for n in range(volunteers.CAPACITY_MIN, volunteers.CAPACITY_MAX + 1)],
        validators=[Chosen()])

    @classmethod
    def for_profile(cls, profile) -> ProfileForm:
        """The form with the volunteer's current answers (typed answers win on a POST)."""
        form = cls(obj=profile)
        if not form.is_submitted():
            own = volunteers.conflict_values(profile, ConflictKind.OWN_NAME)
            form.full_name.data = own[0] if own else ""
            form.capacity.data = str(profile.capacity)
            form.firms.data = "\n".join(volunteers.conflict_values(profile, ConflictKind.FIRM))
        return form

    def changes(self) -> ProfileChanges:
        """The validated answers, for the service."""
        return ProfileChanges(
            display_name=self.display_name.data, full_name=self.full_name.data,
            practice_area=self.practice_area.data, career_band=self.career_band.data,
            region=self.region.data, capacity=int(self.capacity.data),
            experience=list(self.experience.data or []),
            boundaries=list(self.boundaries.data or []),
            languages=list(self.languages.data or []), gender=self.gender.data or None,
            firms=split_names(self.firms.data), note_for_coordinator=self.note_for_coordinator.data,
        )


class AvailabilityForm(FlaskForm):
    """The whole weekly grid at once (the form used without JavaScript)."""

    cells = Checkboxes(_l("Times you are usually free"), coerce=int,
                       choices=[(i, _cell_label(i)) for i in range(vocab.AVAILABILITY_CELLS)])

    def mask(self) -> int:
        return sum(1 << cell for cell in set(self.cells.data or []))


class CellForm(FlaskForm):
    """One grid cell switched on or off in place."""

    on = Radio(choices=[("1", _l("Free")), ("0", _l("Not free"))])


class AwayForm(FlaskForm):
    away_from = Day(_l("First day away"), validators=[InputRequired(DATE_MESSAGE)])
    away_until = Day(_l("Last day away (optional)"), validators=[Optional()],
                     description=_l("Leave empty if you are not sure yet; come back and "
                                    "press “I'm back” when you return."))

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_away_from(self, field):
        if field.data is not None and field.data > self.today + timedelta(days=DAYS_AHEAD):
            raise ValidationError(_l("Please choose a day within the next year."))

    def validate_away_until(self, field):
        if field.data is None:
            return
        if self.away_from.data and field.data < self.away_from.data:
            raise ValidationError(_l("The last day away must be on or after the first day."))
        if field.data < self.today:
            raise ValidationError(_l("The last day away cannot be in the past."))
        if self.away_from.data and field.data > self.away_from.data + timedelta(days=DAYS_AHEAD):
            raise ValidationError(_l("Please choose a period of a year or less."))


class PauseForm(FlaskForm):
    paused = Radio(_l("New offers"), choices=[("1", _l("Pause")), ("0", _l("Resume"))])


class CheckInForm(FlaskForm):
    occurred_on = Day(_l("When did you talk?"), validators=[InputRequired(DATE_MESSAGE)])
    mode = Radio(_l("How did you talk?"), choices=relationships.CHECK_IN_MODES)
    flag = Radio(_l("How is it going?"), choices=relationships.CHECK_IN_FLAGS)

    def __init__(self, *args, earliest: date, today: date, **kwargs):
        kwargs.setdefault("occurred_on", today)
        super().__init__(*args, **kwargs)
        self.earliest, self.today = earliest, today

    def validate_occurred_on(self, field):
        if field.data is None:
            return
        if field.data > self.today:
            raise ValidationError(_l("Please choose today or an earlier day."))
        if field.data < self.earliest:
            raise ValidationError(_l("Please choose a day since the relationship began."))


class CloseForm(FlaskForm):
    reason = Radio(_l("Why is it ending?"), choices=relationships.CLOSE_REASONS)


class JoinForm(FlaskForm):
    password = new_password_field()
    password_again = password_again_field()
