"""Hard rules: the stable reason codes recorded when a volunteer is excluded.

The numbers are stored and compared, so they never change; new rules take new
numbers. When several rules fail for one pair the first in this order is
recorded, so counts per reason add up to the number of excluded volunteers.
Inside the engine each failed rule sets one bit (rule ``r`` sets bit ``r - 1``)
and a 256-entry table turns the bits into the first failed rule.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from flask_babel import lazy_gettext as _l


class Reason(IntEnum):
    """Why a volunteer cannot be suggested to a participant (0: they can)."""

    ELIGIBLE = 0
    NOT_ACTIVE = 1  # not active, or training not completed
    PAUSED_OR_AWAY = 2
    NO_CAPACITY = 3
    BOUNDARY = 4  # one of the participant's concerns is in the volunteer's boundaries
    LANGUAGE = 5  # required language not shared
    GENDER = 6  # required gender not met
    CONFLICT = 7  # shared firm, or the volunteer's name on the do-not-match list
    CHANGE_REQUEST = 8  # asked before: a change request closed the pair, or an offer was declined or expired

    @property
    def key(self) -> str:
        """The stable text key used in counts and stored rows."""
        return self.name.lower()

    @property
    def bit(self) -> int:
        """The bit this rule sets in a pair's failure mask."""
        return 1 << (self.value - 1) if self.value else 0


EXCLUSIONS = tuple(reason for reason in Reason if reason is not Reason.ELIGIBLE)

# Coordinator-facing words. A conflict never says which firm or name matched.
REASON_WORDS = {
    Reason.NOT_ACTIVE: _l("Not active or training not complete"),
    Reason.PAUSED_OR_AWAY: _l("Paused or away"),
    Reason.NO_CAPACITY: _l("No capacity left"),
    Reason.BOUNDARY: _l("A concern is outside their boundaries"),
    Reason.LANGUAGE: _l("Does not share the required language"),
    Reason.GENDER: _l("Does not meet the gender requirement"),
    Reason.CONFLICT: _l("Conflict of interest"),
    Reason.CHANGE_REQUEST: _l("Already asked about this request, or a change was requested"),
}


def reason_words(reason: Reason | int) -> str:
    """Plain words for one exclusion reason (translated when an app context is active)."""
    return str(REASON_WORDS[Reason(reason)])


def _first_reason_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.int8)
    for bits in range(1, 256):
        lowest = (bits & -bits).bit_length()  # position of the lowest set bit, from 1
        table[bits] = lowest
    return table


# FIRST_REASON[failure_bits] is the Reason value of the first rule that failed.
FIRST_REASON = _first_reason_table()


def first_reason(bits: np.ndarray) -> np.ndarray:
    """Reason codes (int8) from failure bit masks (uint8), elementwise."""
    return FIRST_REASON[bits]
