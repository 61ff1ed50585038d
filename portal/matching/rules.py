"""The hard rules' reason codes and the facts about a volunteer alone: no NumPy, no Flask.

The web's pages and the volunteer's own page read these (why someone gets no offers)
without loading the numeric stack; ``eligibility`` applies the same facts to whole pools,
column by column, and holds every other rule.
"""

from __future__ import annotations

from enum import IntEnum


class Reason(IntEnum):
    """Why a volunteer cannot be suggested to a participant (0: they can)."""

    ELIGIBLE = 0
    NOT_ACTIVE = 1  # not active, training not completed or lapsed, or the profile not complete
    PAUSED_OR_AWAY = 2
    NO_CAPACITY = 3
    BOUNDARY = 4  # one of the participant's concerns is in the volunteer's boundaries
    LANGUAGE = 5  # required language not shared
    GENDER = 6  # required gender not met
    CONFLICT = 7  # shared firm, or the volunteer's name on the do-not-match list
    CHANGE_REQUEST = 8  # asked before: a change closed the pair, or an offer declined or expired

    @property
    def key(self) -> str:
        """The stable text key used in counts and stored rows."""
        return self.name.lower()

    @property
    def bit(self) -> int:
        """The bit this rule sets in a pair's failure mask."""
        return 1 << (self.value - 1) if self.value else 0


EXCLUSIONS = tuple(reason for reason in Reason if reason is not Reason.ELIGIBLE)


# (fact, the rule it fails, the field read, the value that fails it): the facts also tell
# volunteers why they get no offers. A comparison, so the same fact reads one record or a
# whole pool's columns at once (``eligibility.volunteer_bits_of``).
VOLUNTEER_FACTS = (
    ("not_active", Reason.NOT_ACTIVE, "is_active_trained", False),
    ("incomplete", Reason.NOT_ACTIVE, "is_complete", False),
    ("lapsed", Reason.NOT_ACTIVE, "is_lapsed", True),  # approval past its valid-until date
    ("paused", Reason.PAUSED_OR_AWAY, "is_paused", True),
    ("away", Reason.PAUSED_OR_AWAY, "is_away", True),
    ("full", Reason.NO_CAPACITY, "free_capacity", 0),
)

FACT_REASONS = {fact: reason for fact, reason, _field, _failing in VOLUNTEER_FACTS}


def fails(volunteer, field: str, failing):
    """Whether the fact holds: a bool for a record, an array of them for pool columns."""
    return getattr(volunteer, field) == failing


def volunteer_failures(volunteer) -> tuple[str, ...]:
    """Every fact that keeps this volunteer from new offers, in rule order (empty: none)."""
    return tuple(fact for fact, _reason, field, failing in VOLUNTEER_FACTS
                 if fails(volunteer, field, failing))


def volunteer_bits(volunteer) -> int:
    """Failure bits of the rules that need only the volunteer."""
    bits = 0
    for _fact, reason, field, failing in VOLUNTEER_FACTS:
        if fails(volunteer, field, failing):
            bits |= reason.bit
    return bits
