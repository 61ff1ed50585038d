"""One rulebook: the gate a single pair goes through is the engine's own, and the engine is pure.

Random pools are scored, then changed (profiles edited, paused, away, full, requirements
and conflicts changed); on the changed data, for every pair, the engine's exclusion over the
whole pool, the single-pair gate and the plain-Python specification give the same reason.
"""

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.matching import (
    Reason,
    exclusion,
    exclusions,
    reference,
    score_matrix,
    volunteer_failures,
)
from portal.matching.eligibility import FACT_REASONS
from portal.matching.encoding import encode_participants, encode_volunteers

from .factories import CONCERNS, FIRMS, GENDERS, LANGUAGES, participant, pools, volunteer

ROOT = Path(__file__).resolve().parents[2]

# What a volunteer can change after the suggestions were worked out.
volunteer_change = st.one_of(
    st.tuples(st.just("languages"), st.lists(st.sampled_from(LANGUAGES[:3]), max_size=2)),
    st.tuples(st.just("gender"), st.sampled_from([None, *GENDERS[:3]])),
    st.tuples(st.just("boundaries"), st.lists(st.sampled_from(CONCERNS), max_size=2)),
    st.tuples(st.just("capacity"), st.integers(0, 3)),
    st.tuples(st.just("active_load"), st.integers(0, 3)),
    st.tuples(st.sampled_from(["is_active_trained", "is_complete", "is_lapsed", "is_paused",
                               "is_away"]),
              st.booleans()),
    st.tuples(st.just("conflict_hashes"), st.sets(st.sampled_from(FIRMS[:6]), max_size=2)),
)
# And what a participant's record can gain: a requirement, a conflict, an earlier asking.
participant_change = st.one_of(
    st.tuples(st.just("language_pref"), st.sampled_from(["none", "preferred", "required"])),
    st.tuples(st.just("preferred_language"), st.sampled_from([None, *LANGUAGES[:3]])),
    st.tuples(st.just("gender_pref"), st.sampled_from(["none", "preferred", "required"])),
    st.tuples(st.just("preferred_gender"), st.sampled_from([None, *GENDERS[:3]])),
    st.tuples(st.just("conflict_hashes"), st.sets(st.sampled_from(FIRMS[:6]), max_size=2)),
    st.tuples(st.just("excluded_volunteer_ids"), st.sets(st.sampled_from(["v0", "v1", "v2"]))),
)


def changed(records, changes):
    """The records with each (index, (field, value)) change applied, in order."""
    records = list(records)
    for index, (name, value) in changes:
        if records:
            at = index % len(records)
            records[at] = replace(records[at], **{name: value})
    return records


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools(), st.lists(st.tuples(st.integers(0, 9), volunteer_change), max_size=5),
       st.lists(st.tuples(st.integers(0, 9), participant_change), max_size=3))
def test_the_gate_gives_the_engines_first_reason_for_every_pair(pool, to_volunteers,
                                                                to_participants):
    people, vols = pool
    score_matrix(encode_participants(people), encode_volunteers(vols))  # scored first
    people, vols = changed(people, to_participants), changed(vols, to_volunteers)
    V = encode_volunteers(vols)
    _, reasons = score_matrix(encode_participants(people), V)
    by_id = {v.id: v for v in vols}
    for i, p in enumerate(people):
        gate = exclusions(p, vols)
        for j, vid in enumerate(V.ids):
            engine = Reason(int(reasons[i, j]))
            assert exclusion(p, by_id[vid]) is engine
            assert gate[vid] is engine
            assert reference.exclusion(p, by_id[vid]) is engine


@settings(max_examples=60, deadline=None)
@given(volunteer_change, volunteer_change)
def test_every_volunteer_fact_names_a_rule_the_engine_applies(first, second):
    v = changed([volunteer()], [(0, first), (0, second)])[0]
    facts = volunteer_failures(v)
    expected = FACT_REASONS[facts[0]] if facts else None
    got = exclusion(participant(), v)
    if expected is not None:
        assert got is expected
    else:
        assert got not in {Reason.NOT_ACTIVE, Reason.PAUSED_OR_AWAY, Reason.NO_CAPACITY}


def test_an_incomplete_profile_is_never_suggested():
    assert exclusion(participant(), volunteer(is_complete=False)) is Reason.NOT_ACTIVE
    assert volunteer_failures(volunteer(is_complete=False, is_away=True)) == ("incomplete", "away")


def test_a_lapsed_approval_is_its_own_fact_of_the_not_active_rule():
    assert exclusion(participant(), volunteer(is_lapsed=True)) is Reason.NOT_ACTIVE
    assert volunteer_failures(volunteer(is_lapsed=True, is_away=True)) == ("lapsed", "away")
    assert FACT_REASONS["lapsed"] is Reason.NOT_ACTIVE


@pytest.mark.parametrize(("wishes", "had", "now", "reason"), [
    ({"language_pref": "required", "preferred_language": "fr"}, {"languages": ("en", "fr")},
     {"languages": ("en",)}, Reason.LANGUAGE),
    ({"gender_pref": "required", "preferred_gender": "woman"}, {"gender": "woman"},
     {"gender": None}, Reason.GENDER),
])  # fmt: skip
def test_a_requirement_the_volunteer_stopped_meeting_is_refused_at_the_gate(wishes, had, now,
                                                                            reason):
    p, v = participant(**wishes), volunteer(**had)
    assert exclusion(p, v) is Reason.ELIGIBLE
    assert exclusion(p, replace(v, **now)) is reason


def test_the_engine_imports_no_flask():
    """Every module of portal/matching, imported in a fresh interpreter, leaves Flask out.

    The parent package ``portal`` builds the Flask app in its ``__init__``, which is not the
    engine's; it is stood in for, so only what the engine itself imports is loaded.
    """
    script = f"""
import importlib, pkgutil, sys, types
root = types.ModuleType("portal")
root.__path__ = [{str(ROOT / "portal")!r}]
sys.modules["portal"] = root
import portal.matching
for module in pkgutil.walk_packages(portal.matching.__path__, "portal.matching."):
    importlib.import_module(module.name)
print(sorted(name for name in ("flask", "flask_babel") if name in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"
