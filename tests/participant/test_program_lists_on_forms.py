"""The request's steps offer the program's lists as they stand: a new region at once, a retired
one no more (refused beside the field if sent anyway)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.db import db
from portal.models import Intake
from portal.services import program_lists


def change(app, act, *args):
    with app.app_context():
        act(db.session, *args)
        db.session.commit()


def test_the_about_step_offers_a_new_region_and_not_a_retired_one(app, client, wizard):
    change(app, program_lists.add_entry, "regions", "Canmore")
    change(app, program_lists.retire_entry, "regions", "rural_north")
    change(app, program_lists.add_entry, "practice_areas", "Animal law")
    wizard.safety("no")
    page = client.get("/request/about").get_data(as_text=True)
    assert '<option value="canmore">Canmore</option>' in page
    assert '<option value="animal_law">Animal law</option>' in page
    assert 'value="rural_north"' not in page and 'value="rural_south"' in page


def test_a_request_from_a_new_region_is_sent_with_it(app, wizard):
    change(app, program_lists.add_entry, "regions", "Canmore")
    response = wizard.complete(about={"region": "canmore"})
    assert response.status_code in (200, 303)
    with app.app_context():
        assert db.session.execute(sa.select(Intake.region)).scalar_one() == "canmore"


def test_a_retired_region_is_refused_beside_the_field(app, wizard):
    change(app, program_lists.retire_entry, "regions", "rural_north")
    wizard.safety("no")
    response = wizard.step("about", region="rural_north", alias="Kept as typed")
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "Please choose one of the options shown" in text
    assert 'value="Kept as typed"' in text
