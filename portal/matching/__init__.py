"""The matching engine: pure Python and NumPy, no Flask, no database.

The app builds plain records from its rows and calls:

- ``suggest(participant, volunteers, weights, k=5)``: the best eligible
  volunteers for one intake, each with its score, breakdown and reasons in
  words, plus how many volunteers each hard rule excluded;
- ``plan_assignment(participants, volunteers, weights, progress)``: a proven
  optimal assignment of all waiting intakes within free capacity, urgent first;
- ``score_matrix`` / ``breakdown`` for reports, and the two baselines
  ``greedy_assignment`` and ``exact_dense_assignment``.

Rules and criteria are documented in ``scoring.py`` and ``reasons.py``.
"""

from .assignment import Plan, PlannedPair
from .baselines import exact_dense_assignment, greedy_assignment
from .encoding import EncodedParticipants, EncodedVolunteers, encode_participants, encode_volunteers
from .engine import Suggestion, Suggestions, breakdown, score_matrix, suggest
from .plan import plan_assignment
from .reasons import REASON_WORDS, Reason, reason_words
from .records import CRITERIA, ParticipantRecord, VolunteerRecord, Weights
from .scoring import UNITS_PER_POINT, Scorer

__all__ = [
    "CRITERIA",
    "REASON_WORDS",
    "UNITS_PER_POINT",
    "EncodedParticipants",
    "EncodedVolunteers",
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
    "greedy_assignment",
    "plan_assignment",
    "reason_words",
    "score_matrix",
    "suggest",
]
