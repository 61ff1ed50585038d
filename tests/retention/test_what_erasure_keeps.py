"""What an erased request leaves behind: only what reports count, and never a row that stands
out — every kept combination (period, state, closing reason) is shared by k erased rows."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.db import db
from portal.models import CheckIn, Intake, IntakeState, Match, MatchState, User
from portal.services import erasure

K = 5
MONTHS = [dt.datetime(2025, month, 1, tzinfo=dt.UTC) for month in (1, 2, 3, 4, 7, 11)]


def utc(*parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)
ENDINGS = [(IntakeState.CLOSED, "completed"), (IntakeState.CLOSED, "no_match"),
           (IntakeState.WITHDRAWN, None), (IntakeState.CLOSED, None)]


def test_an_erased_request_keeps_none_of_its_answers(app, make_intake, make_user):
    for _ in range(K):
        make_intake(state=IntakeState.CLOSED, urgent=True, region="red_deer",
                    concerns=["addiction"], primary_concern="addiction",
                    submitted_at=utc(2025, 3, 14, 9, 30), close_reason="completed")
    with app.app_context():
        for user in db.session.execute(sa.select(User)).scalars().all():
            erasure.erase_participant(db.session, user, actor=None, k=K)
        db.session.commit()
        rows = db.session.execute(sa.text(
            "SELECT member_type, career_band, region, concerns, primary_concern, urgent, "
            "submitted_at, close_reason FROM intake")).all()
    assert len(rows) == K
    member, band, region, concerns, primary, urgent, submitted, reason = rows[0]
    assert (member, band, region, primary) == (None, None, None, None)
    assert concerns in ([], "[]") and not urgent
    assert str(submitted).startswith("2025-03-01 00:00:00") and reason == "completed"


def test_a_kept_request_keeps_its_offers_by_month_and_loses_its_check_ins(
        app, make_intake, make_volunteer):
    profile = make_volunteer()
    intakes = [make_intake(state=IntakeState.CLOSED, close_reason="completed",
                           submitted_at=utc(2025, 3, 14)) for _ in range(K)]
    with app.app_context():
        match = Match(intake_id=intakes[0].id, volunteer_id=profile.id, state=MatchState.CLOSED,
                      offered_at=utc(2025, 3, 15, 10), activated_at=utc(2025, 3, 17),
                      closed_at=utc(2025, 5, 2), close_reason="completed", score=71.5)
        db.session.add(match)
        db.session.flush()
        db.session.add(CheckIn(match_id=match.id, occurred_on=utc(2025, 4, 1),
                               mode="phone", flag="going_well"))
        for intake in intakes:
            erasure.erase_participant(db.session, db.session.get(User, intake.participant_id),
                                      actor=None, k=K)
        db.session.commit()
        kept = db.session.get(Match, match.id)
        assert (kept.offered_at, kept.activated_at, kept.closed_at) == (
            utc(2025, 3, 1), utc(2025, 3, 1), utc(2025, 5, 1))
        assert kept.score is None and kept.close_reason == "completed"
        assert db.session.execute(sa.select(CheckIn)).first() is None


def kept(session) -> dict:
    """Erased rows by what they keep: (period start, how fine, state, closing reason)."""
    rows = session.execute(sa.select(Intake).where(Intake.erased_at.is_not(None))).scalars()
    found: dict = {}
    for row in rows:
        key = (row.submitted_at, row.kept_period, row.state, row.close_reason)
        found[key] = found.get(key, 0) + 1
    return found


def erased_row(session, submitted_at, state, close_reason, erased=True) -> Intake:
    intake = Intake(state=state, close_reason=close_reason, submitted_at=submitted_at,
                    waiting_since=submitted_at, state_changed_at=submitted_at,
                    created_at=submitted_at, erased_at=submitted_at if erased else None,
                    kept_period="month" if erased else None)
    session.add(intake)
    return intake


def test_an_outcome_that_stands_out_is_widened_before_anything_is_dropped(session):
    for _ in range(K - 1):
        erased_row(session, MONTHS[2], IntakeState.CLOSED, "completed")
    erased_row(session, MONTHS[2], IntakeState.WITHDRAWN, None)
    assert erasure.generalise_kept(session, K) == 0
    assert kept(session) == {(MONTHS[2], "month", IntakeState.CLOSED, None): K}


def test_requests_not_erased_hide_an_erased_one_that_looks_the_same(session):
    for _ in range(K - 1):
        erased_row(session, MONTHS[2], IntakeState.CLOSED, "completed", erased=False)
    erased_row(session, MONTHS[2], IntakeState.CLOSED, "completed")
    assert erasure.generalise_kept(session, K) == 0
    assert kept(session) == {(MONTHS[2], "month", IntakeState.CLOSED, "completed"): 1}


def test_a_month_that_stands_out_becomes_its_quarter(session):
    for month in (0, 1, 2):
        for _ in range(2):
            erased_row(session, MONTHS[month], IntakeState.CLOSED, None)
    assert erasure.generalise_kept(session, K) == 0
    assert kept(session) == {(utc(2025, 1, 1), "quarter", IntakeState.CLOSED, None): 6}


def test_a_row_rarer_than_k_even_as_its_year_is_dropped(session):
    for _ in range(K - 1):
        erased_row(session, MONTHS[0], IntakeState.CLOSED, None)
    assert erasure.generalise_kept(session, K) == K - 1
    assert kept(session) == {}


@pytest.mark.slow
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(MONTHS), st.sampled_from(ENDINGS), st.booleans()),
                max_size=40),
       st.integers(min_value=5, max_value=8))
def test_no_kept_row_ever_looks_like_fewer_than_k_requests(session, rows, k):
    for month, (state, reason), erased in rows:
        erased_row(session, month, state, reason, erased=erased)
    dropped = erasure.generalise_kept(session, k)
    assert erasure.rare_rows(session, k) == []
    assert sum(kept(session).values()) + dropped == sum(1 for *_, erased in rows if erased)
    assert all(start.year == 2025 for start, *_ in kept(session))
    session.rollback()
