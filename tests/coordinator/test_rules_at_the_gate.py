"""A requirement the volunteer no longer meets (or an approval that lapsed) stops every way of
asking them: an offer of a suggestion, a planned pair's approval and a manual match all refuse,
with the same reason."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.matching import EXCLUSIONS, Reason
from portal.matching.eligibility import FACT_REASONS
from portal.models import Intake, IntakeState, Match, PlanProposal, User, VolunteerProfile
from portal.services import matching_words, planning, triage
from portal.services.errors import Conflict

FRENCH = {"language_pref": "required", "preferred_language": "fr"}
A_WOMAN = {"gender_pref": "required", "preferred_gender": "woman"}
# (what the person required, what the volunteer had, what they changed it to, the words)
REQUIREMENTS = [
    pytest.param(FRENCH, {"languages": ["en", "fr"]}, {"languages": ["en"]},
                 Reason.LANGUAGE, "shares their language", id="language"),
    pytest.param(A_WOMAN, {"gender": "woman"}, {"gender": None},
                 Reason.GENDER, "particular gender", id="gender"),
    # Not a wish of the person's: the volunteer's approval ran out after the suggestions.
    pytest.param({}, {"approved_until": date(2099, 1, 1)}, {"approved_until": date(2001, 1, 1)},
                 Reason.NOT_ACTIVE, "approval lapsed on 2 January 2001", id="approval-lapsed"),
]


def url(intake, action=""):
    return f"/coordinator/intakes/{intake.id}" + (f"/{action}" if action else "")


def change(app, profile, **fields) -> None:
    """The volunteer edits their profile after the suggestions were worked out."""
    with app.app_context():
        saved = db.session.get(VolunteerProfile, profile.id)
        for name, value in fields.items():
            setattr(saved, name, value)
        db.session.commit()


def matches_of(app, intake) -> list[Match]:
    with app.app_context():
        return db.session.execute(
            sa.select(Match).where(Match.intake_id == intake.id)).scalars().all()


@pytest.mark.parametrize(("wish", "had", "now", "reason", "words"), REQUIREMENTS)
def test_a_suggestion_that_no_longer_meets_a_requirement_cannot_be_offered(
        app, client, staff, post, make_intake, make_volunteer, suggest, fetch,
        wish, had, now, reason, words):
    intake, profile = make_intake(**wish), make_volunteer(name="Morgan Lee", **had)
    suggest(intake)
    change(app, profile, **now)
    response = post(url(intake, "offer"), {"volunteer_id": str(profile.id)}, htmx=True)
    assert response.status_code == 204  # the page reloads with the reason
    assert matches_of(app, intake) == []
    assert fetch(Intake, intake.id).state == IntakeState.WAITING
    assert words in client.get(url(intake)).get_data(as_text=True)


@pytest.mark.parametrize(("wish", "had", "now", "reason", "words"), REQUIREMENTS)
def test_the_offer_gate_names_the_requirement_it_refused(
        app, make_intake, make_volunteer, offer, wish, had, now, reason, words):
    intake, profile = make_intake(**wish), make_volunteer(**had)
    change(app, profile, **now)
    with pytest.raises(Conflict, match=words) as refused:
        offer(intake, profile)
    assert refused.value.reason is reason
    assert matches_of(app, intake) == []


@pytest.mark.parametrize(("wish", "had", "now", "reason", "words"), REQUIREMENTS)
def test_a_planned_pair_that_no_longer_meets_a_requirement_is_skipped_with_the_reason(
        app, make_user, make_intake, make_volunteer, wish, had, now, reason, words):
    coordinator = make_user("coordinator")
    intake, profile = make_intake(**wish), make_volunteer(**had)
    with app.app_context():
        run = planning.start_plan(db.session, actor=coordinator)
        db.session.commit()  # the plan writes its progress in a transaction of its own
        planning.run_plan(db.session, run.id)
        db.session.commit()
        (proposal,) = db.session.get(type(run), run.id).proposals
        assert (proposal.intake_id, proposal.volunteer_id) == (intake.id, profile.id)
    change(app, profile, **now)
    with app.app_context():
        proposal = db.session.get(PlanProposal, proposal.id)
        skipped = planning.approve(db.session, proposal, actor=db.session.get(User, coordinator.id))
        db.session.commit()
        assert words in skipped
        assert db.session.get(PlanProposal, proposal.id).status == "skipped"
    assert matches_of(app, intake) == []


@pytest.mark.parametrize(("wish", "had", "now", "reason", "words"), REQUIREMENTS)
def test_a_manual_match_that_no_longer_meets_a_requirement_is_refused(
        app, make_user, make_intake, make_volunteer, wish, had, now, reason, words):
    coordinator = make_user("coordinator")
    intake, profile = make_intake(**wish), make_volunteer(name="Morgan Lee", **had)
    with app.app_context():
        listed = triage.manual_candidates(db.session, db.session.get(Intake, intake.id))
        assert [p.id for p in listed] == [profile.id]
    change(app, profile, **now)
    with app.app_context():
        session = db.session
        assert triage.manual_candidates(session, session.get(Intake, intake.id)) == []
        with pytest.raises(Conflict, match=words) as refused:
            triage.manual_match(session, session.get(Intake, intake.id), profile.id,
                                reason="participant_asked", actor=session.get(User, coordinator.id))
        assert refused.value.reason is reason
        session.rollback()
    assert matches_of(app, intake) == []


@pytest.mark.parametrize(("wish", "had", "now", "reason", "words"), REQUIREMENTS)
def test_the_page_marks_the_suggestion_blocked_with_the_same_words(
        app, client, staff, make_intake, make_volunteer, suggest, wish, had, now, reason, words):
    intake, profile = make_intake(**wish), make_volunteer(name="Morgan Lee", **had)
    suggest(intake)
    change(app, profile, **now)
    page = client.get(url(intake)).get_data(as_text=True)
    assert words in page and "Offer to Morgan Lee" not in page


def test_every_rule_and_every_fact_has_words_for_staff():
    assert set(matching_words.LABELS) == set(EXCLUSIONS)
    assert set(matching_words.VOLUNTEER_SENTENCES) == set(FACT_REASONS)
    assert set(matching_words.SENTENCES) == set(EXCLUSIONS) - set(FACT_REASONS.values())
