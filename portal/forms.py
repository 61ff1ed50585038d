"""The form kit every area uses: choice widgets, shared validators, the new-password pair.

Fields are bounded and refuse in plain words; the role areas (participant, volunteer,
coordinator) build their forms from these pieces side by side, never from each other.
"""

from __future__ import annotations

import re

import wtforms.widgets
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import PasswordField, RadioField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, core

from portal.i18n import lazy_gettext as _l
from portal.security import passwords
from portal.services.outcomes import ANSWERS

WTFORMS_HTML_PARAMS = core.html_params  # the original, kept for the test of sameness


def html_params(**kwargs) -> Markup:
    """WTForms' ``html_params``, the same output written with plain strings.

    WTForms writes each attribute through ``Markup.format`` (a formatter in Python): half
    the time of a page of choices (the request's steps: 60 options and more). Every widget
    calls this one instead (installed below).
    """
    params = []
    for key, value in sorted(kwargs.items()):
        key = escape(core.clean_key(key))
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{key}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))  # noqa: S704 # nosec B704  # every key and value escaped above


core.html_params = wtforms.widgets.html_params = html_params  # Select, TextArea, labels
core.Input.html_params = core.Button.html_params = staticmethod(html_params)  # every input

PICK_ONE = _l("Please choose one of the options shown.")
NAME_LINES = 10
NAME_LENGTH = 120


class _Converted(list):
    """Choices already made SelectChoice, where the form class declares the field."""


def _options(kwargs: dict) -> dict:
    """Vocabulary pairs as SelectChoice (WTForms 3.3 deprecates tuples), a plain-words refusal."""
    choices = kwargs.get("choices")
    if isinstance(choices, (list, tuple)) and not isinstance(choices, _Converted):
        kwargs["choices"] = [SelectChoice(*c) if isinstance(c, tuple) else c for c in choices]
    kwargs.setdefault("invalid_choice_message", PICK_ONE)
    return kwargs


class _ChoicesOnce:
    """Converts a field's declared choices once, when its form class is defined, instead of
    at every form built from it (a step's form: 60 options and more, every request).

    Only the declared list is shared: WTForms copies it into each field, SelectChoice is
    never changed in place, and its labels translate lazily, so one list serves every
    language. Choices set per form (a program list, ``ListSelect.process``) are not these.
    """

    def __new__(cls, *args, **kwargs):
        if "_form" not in kwargs and isinstance(kwargs.get("choices"), (list, tuple)):
            kwargs["choices"] = _Converted(_options(dict(kwargs))["choices"])
        return super().__new__(cls, *args, **kwargs)


def labels_of(field) -> dict[str, str]:
    """Code → label for a choice field."""
    return {choice.value: str(choice.label) for choice in field.choices}


CHOOSE_ONE = _l("Choose one")


def with_blank(vocabulary, blank=CHOOSE_ONE) -> list:
    """A vocabulary with a first, empty option that means "not given"."""
    return [("", blank), *vocabulary]


class Radio(_ChoicesOnce, RadioField):
    """A radio group with a plain-words message; with ``optional`` no choice is fine."""

    def __init__(self, label=None, validators=None, optional=False, **kwargs):
        super().__init__(label, validators, **_options(kwargs))
        self.optional = optional

    def pre_validate(self, form):
        if self.optional and self.data in (None, ""):
            return
        super().pre_validate(form)


class Select(_ChoicesOnce, SelectField):
    """A drop-down whose first, empty option means "not given" (required ones say so)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **_options(kwargs))

    def pre_validate(self, form):
        if self.data in (None, ""):
            return
        super().pre_validate(form)


class ListSelect(Select):
    """A drop-down of one of the program's own lists (``services.program_lists``): the entries
    offered now, plus a retired one only when the record being edited holds it, so saving the
    record again keeps it (a value typed in that the form did not offer is refused)."""

    def __init__(self, label=None, validators=None, *, list_name: str, blank=CHOOSE_ONE,
                 **kwargs):
        super().__init__(label, validators, choices=[("", blank)], **kwargs)
        self.list_name, self.blank = list_name, blank

    def process(self, formdata, data=unset_value, extra_filters=None):
        from portal.db import db
        from portal.services import program_lists

        held = data if isinstance(data, str) and data else None
        self.choices = _options({"choices": with_blank(
            program_lists.choices(db.session, self.list_name, keep=held), self.blank)})["choices"]
        super().process(formdata, data, extra_filters)


class Checkboxes(_ChoicesOnce, SelectMultipleField):
    """A group of checkboxes; unknown values are refused in plain words."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **_options(kwargs))


class AtLeastOne:
    """At least one box ticked."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if not field.data:
            raise ValidationError(self.message)


class Chosen(AtLeastOne):
    """A choice other than the blank one (the same check: nothing given is refused)."""

    def __init__(self, message=PICK_ONE):
        super().__init__(message)


CHOOSE_REGION = _l("Please choose the region closest to you.")


def split_names(text: str | None) -> list[str]:
    """One name per line, blanks and repeats dropped, order kept."""
    names, seen = [], set()
    for line in (text or "").splitlines():
        name = " ".join(line.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


class NameList:
    """A few names, one per line, each of a sensible length."""

    def __call__(self, form, field):
        names = split_names(field.data)
        if len(names) > NAME_LINES:
            raise ValidationError(_l("Please list at most %(n)d names.", n=NAME_LINES))
        if any(len(name) > NAME_LENGTH for name in names):
            raise ValidationError(_l("Please keep each name to %(n)d characters or fewer.",
                                     n=NAME_LENGTH))


class NoNulCharacter:
    """Text a database column can hold: PostgreSQL text refuses the NUL character (U+0000)."""

    def __call__(self, form, field):
        if field.data and "\x00" in field.data:
            raise ValidationError(_l("This contains an invisible character we cannot store. "
                                     "Please type it again."))


NAMES_TEXT = Length(max=NAME_LINES * (NAME_LENGTH + 2) + 200, message=_l(
    "That is more than we can take here. Please list only the most important names."))


class StrongPassword:
    """A new password the policy accepts (length, not a common one), said in plain words."""

    def __call__(self, form, field):
        problem = passwords.password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


def new_password_field() -> PasswordField:
    return PasswordField(_l("Choose a password"), validators=[
        InputRequired(_l("Please choose a password.")), Length(max=passwords.MAX_LENGTH),
        StrongPassword()])


def password_again_field() -> PasswordField:
    return PasswordField(_l("Type the password again"), validators=[
        InputRequired(_l("Please type the password again.")),
        EqualTo("password", _l("The two passwords are not the same."))])


PHONE_CHARS = re.compile(r"^\+?[0-9 ().\-]{7,30}$")


class PhoneNumber:
    """Digits a phone can dial (7 to 15 of them, with the usual separators); empty is left to
    Optional()."""

    def __call__(self, _form, field):
        digits = sum(ch.isdigit() for ch in field.data or "")
        if not PHONE_CHARS.match(field.data or "") or not 7 <= digits <= 15:
            raise ValidationError(_l("Please enter a phone number using digits, for example "
                                     "403-555-0123."))


class PulseForm(FlaskForm):
    """"Is this helping?", the one question both sides may be asked (services/outcomes)."""

    answer = Radio(_l("Is this helping?"), choices=ANSWERS)
