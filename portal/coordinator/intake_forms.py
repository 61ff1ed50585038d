"""The coordinator's forms on a request: reveal, offer, manual match, close."""

from __future__ import annotations

import uuid

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.forms import PICK_ONE, Radio, Select
from portal.i18n import lazy_gettext as _l
from portal.services import looks, triage
from portal.services.triage import reveals

REVEAL_CHOICES = (
    ("note", _l("Their note")),
    ("contact", _l("Phone, contact times, and the email of a request with no account")),
    ("conflicts", _l("Firms and do-not-match names")),
)


def _as_uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _volunteer_id(_form, field) -> None:
    """A volunteer id must be a UUID (a tampered value is refused in plain words)."""
    if _as_uuid(field.data) is None:
        raise ValidationError(PICK_ONE)


class _ChoosesVolunteer(FlaskForm):
    @property
    def volunteer(self) -> uuid.UUID | None:
        """The chosen volunteer's id, once the form is valid."""
        return _as_uuid(self.volunteer_id.data)


class RevealForm(FlaskForm):
    field = Radio(_l("What to reveal"), choices=REVEAL_CHOICES)
    # The request's page holds three forms with a reason: each has an id of its own.
    reason = Radio(_l("Why do you need to see it?"), choices=looks.REVEAL_REASONS, id="reveal_reason")
    words = StringField(_l("In a few words (optional)"), validators=[
        Optional(), Length(max=reveals.WORDS_LIMIT, message=_l(
            "Please keep this to 200 characters or fewer."))])


class OfferForm(_ChoosesVolunteer):
    volunteer_id = HiddenField(validators=[InputRequired(PICK_ONE), _volunteer_id])


class ManualMatchForm(_ChoosesVolunteer):
    volunteer_id = Select(_l("Volunteer"), choices=[],
                          validators=[InputRequired(_l("Please choose a volunteer."))])
    reason = Radio(_l("Why this volunteer?"), choices=triage.MANUAL_REASONS, id="manual_reason")

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.volunteer_id.choices = [SelectChoice("", _l("Choose a volunteer"))] + [
            SelectChoice(str(profile.id), profile.display_name or str(_l("A volunteer")))
            for profile in candidates]

    def validate_volunteer_id(self, field) -> None:
        _volunteer_id(self, field)


class CloseForm(FlaskForm):
    reason = Radio(_l("Why is the request ending?"), choices=triage.CLOSE_REASONS,
                   id="close_reason")
