"""Turning the typed draft into checked answers, and into the summary shown before sending."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from wtforms import BooleanField, SelectFieldBase, SelectMultipleField

from portal import vocab
from portal.forms import labels_of, split_names
from portal.participant import draft
from portal.participant.forms import STEPS, StepForm
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


def _answers(data: dict, urgent: bool) -> Answers:
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


def collect(saved: dict, *, signed_in: bool) -> Collected:
    """Check every step again (nothing partial is ever sent) and build the answers."""
    data: dict = {}
    for step in STEPS:
        form = step_form(step, draft.entries(saved, step), signed_in=signed_in)
        if not form.validate():
            return Collected(step_to_fix=step)
        data.update(form.data)
    return Collected(_answers(data, saved["urgent"]), data.get("email"))


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
