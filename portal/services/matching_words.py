"""The engine speaks in codes; these are its words for staff.

Reason codes become a short label (the counts of who was not suggested) or a sentence (why
this volunteer cannot be asked now); the facts that speak for a pair become the reasons
shown with a suggestion. A conflict never says which firm or name matched: the engine
does not know, and neither do these words.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from itertools import groupby
from typing import TYPE_CHECKING

from flask_babel import format_date

from portal import vocab
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.i18n import ngettext
from portal.matching.records import VolunteerRecord
from portal.matching.rules import FACT_REASONS, Reason, volunteer_failures
from portal.services import program_lists
from portal.services.approvals import lapsed_on

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from portal.matching.explain import Fact

LABELS = {
    Reason.NOT_ACTIVE: _l("Not active or training not complete"),
    Reason.PAUSED_OR_AWAY: _l("Paused or away"),
    Reason.NO_CAPACITY: _l("No capacity left"),
    Reason.BOUNDARY: _l("A concern is outside their boundaries"),
    Reason.LANGUAGE: _l("Does not share the required language"),
    Reason.GENDER: _l("Does not meet the gender requirement"),
    Reason.CONFLICT: _l("Conflict of interest"),
    Reason.CHANGE_REQUEST: _l("Already asked about this request, or a change was requested"),
}
SENTENCES = {
    Reason.BOUNDARY: _l("This request touches an area the volunteer has chosen not to take on."),
    Reason.LANGUAGE: _l("The person asked for a peer who shares their language."),
    Reason.GENDER: _l("The person asked for a peer of a particular gender."),
    Reason.CONFLICT: _l("There is a conflict of interest between this request and this "
                        "volunteer."),
    Reason.CHANGE_REQUEST: _l("This volunteer was already asked about this request, or a change "
                              "was requested for this pair before; they are not matched again."),
}
# The rules on the volunteer alone, one sentence per fact (``eligibility.VOLUNTEER_FACTS``).
VOLUNTEER_SENTENCES = {
    "not_active": _l("This volunteer is not active (onboarding not finished, paused or retired)."),
    "incomplete": _l("This volunteer's profile is not complete yet."),
    "lapsed": _l("This volunteer's approval has lapsed; renew it on their page."),
    "paused": _l("This volunteer has paused new offers."),
    "away": _l("This volunteer is away at the moment."),
    "full": _l("This volunteer has no capacity left."),
}


def label(reason: Reason | int) -> str:
    """Short words for one exclusion reason, as counted on the request's page."""
    return str(LABELS[Reason(reason)])


def sentence(reason: Reason, volunteer: VolunteerRecord) -> str:
    """Why this volunteer cannot be asked now, for the first rule the engine found failing."""
    facts = [fact for fact in volunteer_failures(volunteer) if FACT_REASONS[fact] is reason]
    if facts and facts[0] == "lapsed" and volunteer.approved_until is not None:
        return lapsed_sentence(volunteer.approved_until)
    return str(VOLUNTEER_SENTENCES[facts[0]] if facts else SENTENCES[reason])


def lapsed_sentence(approved_until: date) -> str:
    """Why a volunteer whose approval held through ``approved_until`` cannot be asked now."""
    return _("This volunteer's approval lapsed on %(day)s; renew it on their page.",
             day=format_date(lapsed_on(approved_until), "d MMMM y"))


# ---------------------------------------------------------------- why a pair fits

def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _named(vocabulary, codes: Iterable[str]) -> str:
    return ", ".join(_lower(vocab.label(vocabulary, code)) for code in codes)


# Literal strings, one per part of the day, so translators see whole sentences.
_PART_OVERLAPS = {
    "morning": lambda n: ngettext(
        "Mornings overlap: %(num)d slot", "Mornings overlap: %(num)d slots", n),
    "midday": lambda n: ngettext(
        "Middays overlap: %(num)d slot", "Middays overlap: %(num)d slots", n),
    "afternoon": lambda n: ngettext(
        "Afternoons overlap: %(num)d slot", "Afternoons overlap: %(num)d slots", n),
    "evening": lambda n: ngettext(
        "Evenings overlap: %(num)d slot", "Evenings overlap: %(num)d slots", n),
}


def _overlap(fact: Fact) -> str:
    if fact.codes:
        return _PART_OVERLAPS[fact.codes[0]](fact.count)
    return ngettext("Availability overlaps: %(num)d slot", "Availability overlaps: %(num)d slots",
                    fact.count)


_FACT_WORDS = {
    "shared_experience": lambda f: _("Shared experience: %(concerns)s",
                                     concerns=_named(vocab.CONCERNS, f.codes)),
    "same_stage": lambda f: _("Same career stage"),
    "a_little_ahead": lambda f: _("A little further along in career"),
    "further_ahead": lambda f: _("Further along in career"),
    "a_little_behind": lambda f: _("A little earlier in career"),
    "different_practice": lambda f: _("A different practice area, as they asked"),
    "overlap": _overlap,
    "same_region": lambda f: _("Same region, as they asked"),
    "outside_region": lambda f: _("Outside their region, as they asked"),
    "gender_required": lambda f: _("Gender as required: %(g)s", g=_named(vocab.GENDERS, f.codes)),
    "gender_preferred": lambda f: _("Gender as preferred: %(g)s",
                                    g=_named(vocab.GENDERS, f.codes)),
    "language_required": lambda f: _("Speaks the required language: %(l)s",
                                     l=vocab.label(vocab.LANGUAGES, f.codes[0])),
    "language_preferred": lambda f: _("Speaks the preferred language: %(l)s",
                                      l=vocab.label(vocab.LANGUAGES, f.codes[0])),
    "room": lambda f: _("Has room for new matches"),
}


def reasons(facts: Iterable[Fact], session: Session) -> list[str]:
    """A suggestion's reasons in words, strongest first: one line per criterion."""
    words = {**_FACT_WORDS, "same_practice": lambda f: _("Same practice area: %(area)s", area=", ".join(
        _lower(program_lists.label(session, "practice_areas", code)) for code in f.codes))}
    return ["; ".join(words[fact.kind](fact) for fact in group)
            for _criterion, group in groupby(facts, key=lambda fact: fact.criterion)]
