"""A request's need-to-know summary in words: its facts, concerns, wishes, week and how the
person is reached (no contact details, note or conflicts: those are revealed one by one)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal import vocab
from portal.i18n import gettext as _
from portal.models import Intake
from portal.services import address_checks, program_lists
from portal.services.triage.labels import alias_of


@dataclass(frozen=True)
class Summary:
    """What the coordinator needs to know to match, in words: no contact, note or conflicts."""

    alias: str
    facts: list[tuple[str, str]]          # (label, value)
    concerns: list[str]                   # the main one first
    preferences: list[tuple[str, str]]
    week: list[tuple[str, list[bool]]]   # each day with whether each part of it is free
    reach: str | None = None              # how the person can be reached, when not as usual
    can_invite: bool = False              # entered for them with an email, no account yet


def _labels(vocabulary, codes) -> str:
    return ", ".join(vocab.label(vocabulary, code) for code in codes or ()) or _("Not given")


def summary_of(session: Session, intake: Intake) -> Summary:
    """The need-to-know summary in words."""
    def one(vocabulary, code) -> str:
        return _labels(vocabulary, [code] if code else [])

    facts = [
        (_("Member type"), one(vocab.MEMBER_TYPES, intake.member_type)),
        (_("Career stage"), one(vocab.CAREER_BANDS, intake.career_band)),
        (_("Practice area"),
         program_lists.label(session, "practice_areas", intake.practice_area) or _("Not given")),
        (_("Region"), program_lists.label(session, "regions", intake.region) or _("Not given")),
        (_("Languages"), _labels(vocab.LANGUAGES, intake.languages)),
    ]
    concerns = sorted(intake.concerns or (), key=lambda code: code != intake.primary_concern)
    return Summary(alias_of(intake), facts, [vocab.label(vocab.CONCERNS, c) for c in concerns],
                   _preferences(intake), _week(intake.availability_mask or 0), _reach(intake),
                   can_invite=intake.participant_id is None and intake.reach_by == "email"
                   and bool(intake.claim_email) and not address_checks.is_waiting(intake)
                   and intake.erased_at is None)


def _reach(intake: Intake) -> str | None:
    """A request not attached to an account: how the person is reached, and whether their
    address is proven yet."""
    if intake.participant_id is not None or intake.erased_at is not None:
        return None
    entered = ""
    if intake.entered_by_id is not None:
        entered = _("Entered by a coordinator (%(channel)s); consent given %(consent)s. ",
                    channel=vocab.label(vocab.INTAKE_CHANNELS, intake.channel).lower(),
                    consent=vocab.label(vocab.CONSENT_METHODS, intake.consent_method).lower())
    if address_checks.is_waiting(intake):
        return entered + _("Email not yet confirmed: the link sent to the address has not been "
                           "used. The request may not come from the address's owner.")
    if intake.reach_by == "coordinator":
        return entered + _("Reach them only through the coordinator: no account, and no email "
                           "is ever sent to them.")
    if intake.reach_by == "phone":
        return entered + _("Reach them by phone only (under contact details).")
    if intake.claim_email:
        return entered + _("No account: write to the address they gave (under contact details) "
                           "to tell them what happens next, or invite them to an account.")
    return entered or None


def _week(mask: int) -> list[tuple[str, list[bool]]]:
    """The weekly grid as rows of days, each with its four parts free or not."""
    parts = range(len(vocab.PARTS_OF_DAY))
    return [(str(day_label), [bool(mask >> vocab.cell_index(day, part) & 1) for part in parts])
            for day, (_code, day_label) in enumerate(vocab.DAYS)]


def _preferences(intake: Intake) -> list[tuple[str, str]]:
    """Only the wishes the person expressed; "no preference" is left out."""
    wishes = []
    if intake.gender_pref != "none" and intake.preferred_gender:
        wishes.append((_("Peer's gender"), _strength(
            vocab.GENDER_PREFERENCES, intake.gender_pref, vocab.GENDERS, intake.preferred_gender)))
    if intake.language_pref != "none" and intake.preferred_language:
        wishes.append((_("Language"), _strength(
            vocab.LANGUAGE_PREFERENCES, intake.language_pref, vocab.LANGUAGES,
            intake.preferred_language)))
    if intake.practice_pref != "none":
        wishes.append((_("Practice area"),
                       vocab.label(vocab.PRACTICE_PREFERENCES, intake.practice_pref)))
    if intake.region_pref != "none":
        wishes.append((_("Region"), vocab.label(vocab.REGION_PREFERENCES, intake.region_pref)))
    if intake.career_pref_similar:
        wishes.append((_("Career stage"), _("Someone at a similar stage")))
    return wishes


def _strength(levels, level: str, vocabulary, code: str) -> str:
    """"Required: French"-style words for a wish and how strongly it is held."""
    return f"{vocab.label(levels, level)}: {vocab.label(vocabulary, code)}"
