"""The matching engine: pure Python and NumPy, no Flask, no database.

The app builds plain records from its rows and calls:

- ``suggest(participant, volunteers, weights, k=5)``: the best eligible
  volunteers for one intake, each with its score, breakdown and why (facts in
  codes), plus how many volunteers each hard rule excluded (``suggest_many`` for
  many intakes in one pass);
- ``exclusions(participant, volunteers)``: the first hard rule each volunteer
  fails, without scoring: the gate every offer goes through;
- ``plan_assignment(participants, volunteers, weights, progress)``: a proven
  optimal assignment of all waiting intakes within free capacity, urgent first;
- ``score_matrix`` / ``breakdown`` for reports, and the two baselines
  ``greedy_assignment`` and ``exact_dense_assignment``.

Rules are documented in ``eligibility.py``, criteria in ``scoring.py``. The engine
speaks in codes only; the app's ``services/matching_words.py`` puts them into words.
"""

from .assignment import Plan, PlannedPair
from .baselines import exact_dense_assignment, greedy_assignment
from .eligibility import EXCLUSIONS, Reason, volunteer_failures
from .encoding import EncodedParticipants, EncodedVolunteers, encode_participants, encode_volunteers
from .engine import (
    Suggestion,
    Suggestions,
    breakdown,
    exclusion,
    exclusions,
    score_matrix,
    suggest,
    suggest_many,
)
from .explain import Fact
from .plan import plan_assignment
from .records import CRITERIA, ParticipantRecord, VolunteerRecord, Weights
from .scoring import UNITS_PER_POINT, Scorer

__all__ = [
    "CRITERIA",
    "EXCLUSIONS",
    "UNITS_PER_POINT",
    "EncodedParticipants",
    "EncodedVolunteers",
    "Fact",
    "ParticipantRecord",
    "Plan",
    "PlannedPair",
    "Reason",
    "Scorer",
    "Suggestion",
    "Suggestions",
    "VolunteerRecord",
    "Weights",
    "breakdown",
    "encode_participants",
    "encode_volunteers",
    "exact_dense_assignment",
    "exclusion",
    "exclusions",
    "greedy_assignment",
    "plan_assignment",
    "score_matrix",
    "suggest",
    "suggest_many",
    "volunteer_failures",
]
