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

import importlib

# Names are loaded on first use (PEP 562), so importing ``portal.matching.records`` or
# ``portal.matching.rules`` (as the web does) never loads NumPy, SciPy or OR-Tools.
_HOMES = {
    "Plan": "assignment", "PlannedPair": "assignment",
    "exact_dense_assignment": "baselines", "greedy_assignment": "baselines",
    "EXCLUSIONS": "rules", "Reason": "rules", "volunteer_failures": "rules",
    "EncodedParticipants": "encoding", "EncodedVolunteers": "encoding",
    "encode_participants": "encoding", "encode_volunteers": "encoding",
    "Suggestion": "engine", "Suggestions": "engine", "breakdown": "engine",
    "exclusion": "engine", "exclusions": "engine", "score_matrix": "engine",
    "suggest": "engine", "suggest_many": "engine",
    "Fact": "explain", "plan_assignment": "plan",
    "CRITERIA": "records", "ParticipantRecord": "records", "VolunteerRecord": "records",
    "Weights": "records", "UNITS_PER_POINT": "scoring", "Scorer": "scoring",
}  # fmt: skip


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


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
