"""Turning the typed draft into checked answers, and into the summary shown before sending."""

from __future__ import annotations

from dataclasses import dataclass

from wtforms import BooleanField, SelectFieldBase, SelectMultipleField

from portal.forms import labels_of
from portal.i18n import gettext as _
from portal.intake_steps import STEPS, StepForm, answers_from
from portal.participant import draft
from portal.services.intake import Answers


@dataclass(frozen=True)
class Collected:
    """Every step checked again: the answers and the email, or the first step to fix."""

    answers: Answers | None = None
    email: str | None = None
    step_to_fix: str | None = None


def step_form(step: str, formdata, *, signed_in: bool) -> StepForm:
    """The form of ``step`` over ``formdata`` (a signed-in participant's email is the account's)."""
    form = STEPS[step](formdata=formdata)
    if signed_in and step == "contact":
        del form.email
    return form


def collect(saved: dict, *, signed_in: bool) -> Collected:
    """Check every step again (nothing partial is ever sent) and build the answers."""
    data: dict = {}
    for step in STEPS:
        form = step_form(step, draft.entries(saved, step), signed_in=signed_in)
        if not form.validate():
            return Collected(step_to_fix=step)
        data.update(form.data)
    return Collected(answers_from(data, saved["urgent"]), data.get("email"))


def _shown(field) -> str | None:
    """A field's answer in words, or None when it was left empty."""
    if isinstance(field, SelectMultipleField):
        labels = labels_of(field)
        return ", ".join(labels[code] for code in field.data or () if code in labels) or None
    if isinstance(field, BooleanField):
        return _("Yes") if field.data else None
    if isinstance(field, SelectFieldBase):
        return labels_of(field).get(field.data) if field.data else None
    return field.data or None


def summary(saved: dict, *, signed_in: bool) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Per step: its key, its title, and (question, answer) pairs for what was filled in."""
    sections = []
    for step in STEPS:
        form = step_form(step, draft.entries(saved, step), signed_in=signed_in)
        rows = [(str(field.label.text), _shown(field)) for field in form
                if field.name != "csrf_token"]
        sections.append((step, str(form.title), [(q, a) for q, a in rows if a]))
    return sections
