"""The shared vocabularies of DESIGN.md: one list each, used by both sides.

Each vocabulary is an ordered tuple of ``(code, label)``. Codes are stable,
stored in the database and never shown; labels are translatable and shown.
The order is the display order and, for bit masks, the bit position.
"""

from __future__ import annotations

from babel.support import LazyProxy


class _Label(LazyProxy):
    """A label translated each time it is shown, like flask_babel's lazy strings.

    flask_babel is looked up only when a label is shown, so the matching engine can read
    the codes without importing Flask.
    """

    __slots__ = ()

    def __html__(self) -> str:
        return str(self)

    def __hash__(self) -> int:
        return hash(str(self))


def _translate(text: str) -> str:
    from portal.i18n import gettext  # at call time, see _Label

    return gettext(text)


def _l(text: str) -> _Label:
    return _Label(_translate, text, enable_cache=False)


CONCERNS = (
    ("stress_burnout", _l("Stress and burnout")),
    ("anxiety", _l("Anxiety")),
    ("depression", _l("Depression")),
    ("alcohol", _l("Substance use (alcohol)")),
    ("other_drugs", _l("Substance use (other drugs)")),
    ("behavioural_addiction", _l("Gambling or other behavioural addiction")),
    ("grief_loss", _l("Grief and loss")),
    ("family_relationships", _l("Family or relationship difficulties")),
    ("illness_disability", _l("Illness or disability")),
    ("career_transition", _l("Career transition or job loss")),
    ("practice_pressures", _l("Practice pressures and difficult files")),
    ("discipline_complaint", _l("Discipline or complaint process")),
    ("financial_stress", _l("Financial stress")),
    ("trauma", _l("Trauma (vicarious or direct)")),
    ("isolation", _l("Isolation")),
    ("caregiving", _l("Balancing practice and caregiving")),
    ("other", _l("Other")),
)

MEMBER_TYPES = (
    ("lawyer", _l("Lawyer")),
    ("articling_student", _l("Articling student")),
    ("law_student", _l("Law student")),
    ("retired_lawyer", _l("Retired lawyer")),
    ("other_legal", _l("Other legal professional")),
)

# Ordered from earliest to latest career stage: the engine relies on this order.
CAREER_BANDS = (
    ("student", _l("Student")),
    ("0_2", _l("0–2 years")),
    ("3_5", _l("3–5 years")),
    ("6_10", _l("6–10 years")),
    ("11_20", _l("11–20 years")),
    ("21_plus", _l("21+ years")),
)

# Regions and practice areas are the program's own lists, edited by an admin: read them
# through ``portal.services.program_lists``. The matching engine (no Flask, no database) reads
# their codes by bit from here: each load of the lists publishes them (``publish_list``);
# until the first load a process knows the lists as migration 0012 seeded them.
LIST_WIDTH = 32  # entries a list can ever hold: the engine's tables have one place per bit
_LISTS: dict[str, tuple[str | None, ...]] = {
    "practice_areas": (
        "criminal", "family", "corporate_commercial", "litigation", "real_estate",
        "wills_estates", "employment", "immigration", "government", "in_house", "academic",
        "legal_aid", "indigenous", "tax", "other",
    ),
    "regions": (
        "calgary", "edmonton", "red_deer", "lethbridge", "medicine_hat", "grande_prairie",
        "fort_mcmurray", "rural_north", "rural_south",
    ),
}


def list_codes(name: str) -> tuple[str | None, ...]:
    """The codes of a program list by bit (None for a bit no entry holds), retired included."""
    return _LISTS[name]


def publish_list(name: str, codes_by_bit: tuple[str | None, ...]) -> None:
    """Tell the engine a list as the database holds it (``program_lists`` does, on each load)."""
    if len(codes_by_bit) > LIST_WIDTH:
        raise ValueError(f"{name}: more than {LIST_WIDTH} entries")
    _LISTS[name] = tuple(codes_by_bit)


LANGUAGES = (
    ("en", _l("English")),
    ("fr", _l("French")),
    ("es", _l("Spanish")),
    ("pa", _l("Punjabi")),
    ("zh", _l("Chinese")),
    ("tl", _l("Tagalog")),
    ("ar", _l("Arabic")),
    ("cr", _l("Cree")),
    ("other", _l("Other")),
)

GENDERS = (
    ("woman", _l("Woman")),
    ("man", _l("Man")),
    ("non_binary", _l("Non-binary")),
    ("self_described", _l("Another identity")),
    ("prefer_not", _l("Prefer not to say")),
)

# Participant preferences about the peer.
GENDER_PREFERENCES = (
    ("none", _l("No preference")),
    ("preferred", _l("Preferred")),
    ("required", _l("Required")),
)
PRACTICE_PREFERENCES = (
    ("none", _l("No preference")),
    ("same", _l("Same practice area")),
    ("different", _l("A different practice area")),
)
REGION_PREFERENCES = (
    ("none", _l("No preference")),
    ("same", _l("Same region")),
    ("outside", _l("Outside my region, for discretion")),
)
LANGUAGE_PREFERENCES = (
    ("none", _l("No preference")),
    ("preferred", _l("Preferred")),
    ("required", _l("Required")),
)

DAYS = (
    ("mon", _l("Monday")),
    ("tue", _l("Tuesday")),
    ("wed", _l("Wednesday")),
    ("thu", _l("Thursday")),
    ("fri", _l("Friday")),
    ("sat", _l("Saturday")),
    ("sun", _l("Sunday")),
)
PARTS_OF_DAY = (
    ("morning", _l("Morning")),
    ("midday", _l("Midday")),
    ("afternoon", _l("Afternoon")),
    ("evening", _l("Evening")),
)
AVAILABILITY_CELLS = len(DAYS) * len(PARTS_OF_DAY)  # 28: a weekly grid is a 28-bit mask


def codes(vocabulary) -> tuple[str, ...]:
    """The stored codes of a vocabulary, in order."""
    return tuple(code for code, _label in vocabulary)


def label(vocabulary, code: str) -> str:
    """The display label of one code (the code itself if unknown, never an error)."""
    return str(dict(vocabulary).get(code, code))


def mask_of(vocabulary, selected) -> int:
    """Bit mask of the selected codes, bit i for the i-th code; unknown codes are ignored."""
    position = {code: i for i, (code, _label) in enumerate(vocabulary)}
    mask = 0
    for code in selected or ():
        if code in position:
            mask |= 1 << position[code]
    return mask


def codes_in(vocabulary, mask: int) -> list[str]:
    """The codes whose bits are set in ``mask``, in vocabulary order (``mask_of`` undone)."""
    return [code for i, (code, _label) in enumerate(vocabulary) if mask >> i & 1]


def cell_index(day: int, part: int) -> int:
    """Bit position of one availability cell: day 0–6 (Monday first), part 0–3."""
    return day * len(PARTS_OF_DAY) + part

# The referral directory's sections, in the order a volunteer reads them.
REFERRAL_CATEGORIES = (
    ("crisis_line", _l("Crisis lines")),
    ("counselling", _l("Counselling")),
    ("medical", _l("Medical")),
    ("addiction_treatment", _l("Addiction treatment")),
    ("twelve_step", _l("Twelve-step and mutual aid")),
    ("ethics_advice", _l("Ethics advice")),
    ("financial_counselling", _l("Financial counselling")),
    ("employee_assistance", _l("Employee assistance")),
)

# A request the coordinator enters for someone: how it came in, how the person agreed, and
# how they want to be reached ("coordinator": no account and no email, ever).
INTAKE_CHANNELS = (
    ("phone", _l("By phone")),
    ("walk_in", _l("In person")),
    ("referral", _l("Referred by a colleague, with the person's consent")),
)
CONSENT_METHODS = (
    ("verbal", _l("Verbally, after hearing the principles read or explained")),
    ("written", _l("In writing")),
)
REACH_BY = (
    ("phone", _l("By phone only")),
    ("email", _l("By email (they may be invited to an account later)")),
    ("coordinator", _l("Only through the coordinator: no account and no email")),
)
