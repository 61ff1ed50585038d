"""Matching and the coordinator's pages read the program's lists: a request in a new region
matches a volunteer there, a retired region still matches the volunteers who have it, and old
requests keep showing their words."""

from __future__ import annotations

import sqlalchemy as sa

from portal.db import db
from portal.models import Suggestion
from portal.services import program_lists


def change(app, act, *args, **kwargs):
    with app.app_context():
        act(db.session, *args, **kwargs)
        db.session.commit()


def top(app, intake):
    with app.app_context():
        return db.session.execute(sa.select(Suggestion).where(Suggestion.intake_id == intake.id)
                                  .order_by(Suggestion.rank)).scalars().first()


def test_a_request_in_a_new_region_matches_a_volunteer_in_it(app, make_volunteer, make_intake,
                                                            suggest):
    change(app, program_lists.add_entry, "regions", "Canmore")
    make_volunteer(region="calgary")
    there = make_volunteer(region="canmore")
    intake = make_intake(region="canmore", region_pref="same")
    suggest(intake)
    best = top(app, intake)
    assert best.volunteer_id == there.id and "Same region, as they asked" in best.reasons


def test_a_new_practice_area_is_named_in_the_reasons(app, make_volunteer, make_intake, suggest):
    change(app, program_lists.add_entry, "practice_areas", "Animal law")
    peer = make_volunteer(practice_area="animal_law")
    make_volunteer(practice_area="tax")
    intake = make_intake(practice_area="animal_law", practice_pref="same")
    suggest(intake)
    best = top(app, intake)
    assert best.volunteer_id == peer.id and "Same practice area: animal law" in best.reasons


def test_a_retired_region_still_matches_the_volunteers_who_have_it(app, make_volunteer,
                                                                  make_intake, suggest):
    make_volunteer(region="edmonton")
    stayed = make_volunteer(region="rural_north")
    intake = make_intake(region="rural_north", region_pref="same")
    change(app, program_lists.retire_entry, "regions", "rural_north")
    suggest(intake)
    best = top(app, intake)
    assert best.volunteer_id == stayed.id and "Same region, as they asked" in best.reasons


def test_an_old_request_keeps_its_words_when_its_region_is_retired_or_renamed(
        app, client, staff, make_intake):
    intake = make_intake(region="medicine_hat", practice_area="tax")
    change(app, program_lists.retire_entry, "regions", "medicine_hat")
    page = client.get(f"/coordinator/intakes/{intake.id}").get_data(as_text=True)
    assert "Medicine Hat" in page and "Tax" in page
    change(app, program_lists.rename_entry, "practice_areas", "tax", "Tax law")
    assert "Tax law" in client.get(f"/coordinator/intakes/{intake.id}").get_data(as_text=True)
