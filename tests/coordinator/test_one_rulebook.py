"""The engine and the gates read one rulebook, against the real database.

Random small pools are stored, scored, then changed (profiles edited, paused, away, full,
requirements tightened); afterwards, for every pair, the engine re-run on the stored data,
the offer gate (``make_offer``), the page's blocked marks and the manual-match list agree.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.db import db
from portal.matching import Reason, score_matrix
from portal.matching.encoding import encode_participants, encode_volunteers
from portal.models import (
    ConflictEntry,
    ConflictKind,
    Intake,
    Match,
    MatchState,
    OnboardingState,
    User,
    VolunteerProfile,
    utcnow,
)
from portal.security.crypto import blind_index
from portal.services import engine_records, matching, offers, triage

CONCERNS = ["grief_loss", "isolation", "anxiety"]
LANGUAGES = ["en", "fr", "es"]
GENDERS = [None, "woman", "man"]
FIRMS = ["Ridgeway LLP", "Northgate Legal"]
NAMES = ["Robin Ash", "Casey Lind", "Avery Quinn"]
YESTERDAY = utcnow().date() - timedelta(days=1)

volunteer_fields = st.fixed_dictionaries({
    "name": st.sampled_from(NAMES),
    "firm": st.sampled_from([None, *FIRMS]),
    "state": st.sampled_from([OnboardingState.ACTIVE] * 6 + [OnboardingState.PAUSED,
                                                              OnboardingState.TRAINED]),
    "languages": st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=2, unique=True),
    "gender": st.sampled_from(GENDERS),
    "boundaries": st.sampled_from([[]] * 3 + [[c] for c in CONCERNS]),
    "capacity": st.sampled_from([2, 2, 1, 0]),
})
intake_fields = st.fixed_dictionaries({
    "concerns": st.lists(st.sampled_from(CONCERNS), min_size=1, max_size=2, unique=True),
    "languages": st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=2, unique=True),
    "language_pref": st.sampled_from(["none", "preferred", "required", "required"]),
    "preferred_language": st.sampled_from([None, *LANGUAGES]),
    "gender_pref": st.sampled_from(["none", "preferred", "required", "required"]),
    "preferred_gender": st.sampled_from(GENDERS),
    "firms": st.lists(st.sampled_from(FIRMS), max_size=1),
    "do_not_match": st.lists(st.sampled_from(NAMES), max_size=1),
})
# Changes made after the suggestions were worked out: (volunteer, field, new value).
profile_changes = st.one_of(
    st.tuples(st.integers(0, 2), st.just("languages"),
              st.lists(st.sampled_from(LANGUAGES), max_size=2, unique=True)),
    st.tuples(st.integers(0, 2), st.just("gender"), st.sampled_from(GENDERS)),
    st.tuples(st.integers(0, 2), st.just("boundaries"), st.lists(st.sampled_from(CONCERNS),
                                                                 max_size=2, unique=True)),
    st.tuples(st.integers(0, 2), st.just("paused"), st.booleans()),
    st.tuples(st.integers(0, 2), st.just("away_from"), st.sampled_from([None, YESTERDAY])),
    st.tuples(st.integers(0, 2), st.just("capacity"), st.integers(0, 2)),
    st.tuples(st.integers(0, 2), st.sampled_from(  # no longer complete, or another state
        [("display_name", None)] + [("state", state) for state in OnboardingState]
    )).map(lambda change: (change[0], *change[1])),
    st.tuples(st.integers(0, 2), st.just("firm"), st.sampled_from(FIRMS)),
)
# Earlier outcomes of a pair: (intake, volunteer, how it ended).
history = st.tuples(st.integers(0, 1), st.integers(0, 2),
                    st.sampled_from(["declined", "expired", "change_requested", "withdrawn"]))
pools = st.fixed_dictionaries({
    "volunteers": st.lists(volunteer_fields, min_size=1, max_size=3),
    "intakes": st.lists(intake_fields, min_size=1, max_size=2),
    "history": st.lists(history, max_size=2),
    "changes": st.lists(profile_changes, max_size=4),
})


def _primary(fields: dict) -> dict:
    return {**fields, "primary_concern": fields["concerns"][0]}


def _add_history(app, intakes, profiles, past) -> None:
    endings = {"declined": MatchState.DECLINED, "expired": MatchState.EXPIRED,
               "withdrawn": MatchState.WITHDRAWN, "change_requested": MatchState.CLOSED}
    with app.app_context():
        for i, j, ending in past:
            if i < len(intakes) and j < len(profiles):
                db.session.add(Match(
                    intake_id=intakes[i].id, volunteer_id=profiles[j].id, state=endings[ending],
                    close_reason="change_requested" if ending == "change_requested" else None))
        db.session.commit()


def _apply(app, profiles, changes) -> None:
    with app.app_context():
        for j, name, value in changes:
            if j >= len(profiles):
                continue
            profile = db.session.get(VolunteerProfile, profiles[j].id)
            if name == "firm":
                db.session.add(ConflictEntry(volunteer_id=profile.id, kind=ConflictKind.FIRM,
                                             value=value, value_index=blind_index(value, "name")))
            else:
                setattr(profile, name, value)
        db.session.commit()


def engine_reasons(session, intake, profiles) -> dict:
    """The engine's first failed rule for each of ``profiles``, on the stored data now."""
    ids = {profile.id for profile in profiles}
    records = engine_records.volunteer_records(session, ids=ids)
    V = encode_volunteers(records)
    _, reasons = score_matrix(encode_participants([engine_records.participant_record(session, intake)]),
                              V)
    return {record_id: Reason(int(reasons[0, j])) for j, record_id in enumerate(V.ids)}


def gate_reason(session, intake, profile, actor) -> Reason:
    """What ``make_offer`` says about the pair: the rule it refused, or ELIGIBLE when it offered."""
    try:
        offers.make_offer(session, intake, profile, actor=actor)
        return Reason.ELIGIBLE
    except offers.Ineligible as refusal:
        return refusal.reason
    finally:
        session.rollback()  # try every pair against the same data


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(pool=pools)
def test_engine_gate_marks_and_manual_list_agree_on_every_pair(
        app, make_user, make_intake, make_volunteer, pool):
    coordinator = make_user("coordinator")
    profiles = [make_volunteer(**fields) for fields in pool["volunteers"]]
    intakes = [make_intake(**_primary(fields)) for fields in pool["intakes"]]
    _add_history(app, intakes, profiles, pool["history"])
    with app.app_context():
        for intake in intakes:
            matching.suggest_for_intake(db.session, intake.id)
        db.session.commit()
    _apply(app, profiles, pool["changes"])
    with app.app_context():
        session = db.session
        ours = {profile.id for profile in profiles}
        for saved in intakes:
            intake = session.get(Intake, saved.id)
            engine = engine_reasons(session, intake, profiles)
            marks = {row.volunteer_id: row.blocked
                     for row in triage.suggestion_rows(session, intake)}
            listed = {p.id for p in triage.manual_candidates(session, intake)} & ours
            for profile in profiles:
                expected = engine[str(profile.id)]
                actor = session.get(User, coordinator.id)
                got = gate_reason(session, session.get(Intake, saved.id),
                                  session.get(VolunteerProfile, profile.id), actor)
                assert got is expected, (profile.id, got, expected)
                if profile.id in marks:
                    assert (marks[profile.id] is None) == (expected is Reason.ELIGIBLE)
            assert listed == {p.id for p in profiles if engine[str(p.id)] is Reason.ELIGIBLE}
