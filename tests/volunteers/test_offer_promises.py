"""Every promise the participant reads about what a volunteer sees before an introduction holds
on the page the volunteer is shown when asked: a canary in every answer, the offer read back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import Intake
from tests.participant.conftest import STEP_DATA, Wizard

CANARIES = {
    "about": {"alias": "Quillonette", "practice_area": "tax", "region": "red_deer",
              "languages": ["fr"], "gender": "woman", "member_type": "retired_lawyer",
              "career_band": "21_plus"},
    "support": {"note": "Canary note of a hard year"},
    "contact": {"email": "quillonette@example.org", "phone": "780-555-0142",
                "contact_times": "Canary times after lunch"},
    "conflicts": {"firms": "Canaryfirm Barristers LLP", "people": "Ozymandias Canaryperson"},
    "availability": {"cells": ["tue_morning", "sat_evening"]},
}

# (step, what the participant is told on it) — each promise the offer page must keep.
PROMISES = [
    ("about", "Nothing here is shared with a volunteer until you are introduced, except your "
              "region if you allow it below."),
    ("support", "The volunteer who is asked to support you sees these topics, in these words, "
                "before deciding; never your note."),
    ("availability", "The volunteer who is asked sees only roughly when you are free"),
    ("contact", "Before then, only the program coordinator sees these details."),
    ("conflicts", "no volunteer ever sees them"),
    ("consent", "Before that, the volunteer who is asked sees only the topics you chose, roughly "
                "when you are free, and your region if you allowed it"),
    ("privacy", "A volunteer asked to support you first sees only the topics you chose and "
                "roughly when you are free (and your region, if you allowed it), never your name "
                "or contact details."),
]


def _answers(share_region: bool) -> dict:
    answers = {step: {**STEP_DATA[step], **CANARIES.get(step, {})} for step in STEP_DATA}
    if share_region:
        answers["about"]["share_region"] = "y"
    return answers


@pytest.fixture
def offered_page(app, client, make_volunteer, make_offer, sign_in):
    """offered_page(share_region) → (the steps the participant read, the offer page shown)."""

    def walk(share_region: bool):
        wizard = Wizard(client)
        answers = _answers(share_region)
        wizard.safety("no")
        read = {}
        for step in STEP_DATA:
            read[step] = client.get(f"/request/{step}").get_data(as_text=True)
            assert wizard.step(step, **answers[step]).status_code == 303, step
        read["consent"] = client.get("/request/consent").get_data(as_text=True)
        read["privacy"] = client.get("/privacy").get_data(as_text=True)
        assert wizard.submit().status_code == 303
        client.delete_cookie("session")
        with app.app_context():
            intake = db.session.execute(sa.select(Intake)).scalar_one()
            assert (intake.alias, intake.region, intake.share_region) == \
                ("Quillonette", "red_deer", share_region)
        profile = make_volunteer(availability_mask=0)
        match = make_offer(intake, profile)
        sign_in(profile)
        offer = client.get(f"/volunteer/offers/{match.id}").get_data(as_text=True)
        # The other pages that tell the volunteer of the offer say no more than it does.
        elsewhere = [client.get(path).get_data(as_text=True)
                     for path in ("/volunteer/", "/volunteer/offers", "/notifications/")]
        return read, offer + "".join(elsewhere)

    return walk


@pytest.mark.parametrize(("step", "promise"), PROMISES)
def test_the_participant_is_told_what_a_volunteer_sees(offered_page, step, promise):
    read, _offer = offered_page(share_region=False)
    assert promise in read[step].replace("&#39;", "'")


def test_before_a_yes_the_volunteer_sees_nothing_the_participant_was_promised_is_private(
        offered_page):
    _read, offer = offered_page(share_region=False)
    private = ["Quillonette", "Tax", "Red Deer", "French", "Woman", "Retired", "21+", "Canary",
               "quillonette", "780-555-0142", "7805550142", "Ozymandias", "Tuesday", "Saturday"]
    assert [text for text in private if text in offer] == []


def test_before_a_yes_the_volunteer_sees_the_topics_and_rough_times(offered_page):
    _read, offer = offered_page(share_region=False)
    for shown in ("Grief and loss", "Stress and burnout", "Usually free on weekdays", "Morning",
                  "Usually free on weekends", "Evening"):
        assert shown in offer


def test_the_region_is_shown_only_when_the_participant_allowed_it(offered_page):
    _read, offer = offered_page(share_region=True)
    assert "Red Deer" in offer and "Quillonette" not in offer
