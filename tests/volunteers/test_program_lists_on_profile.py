"""The volunteer's profile offers the program's lists as they stand; a region retired since
the volunteer chose it stays theirs until they choose another."""

from __future__ import annotations

from portal.db import db
from portal.models import VolunteerProfile
from portal.services import program_lists
from tests.conftest import csrf_token

ANSWERS = {
    "display_name": "Robin", "full_name": "Robin Ashdown-Clarke", "experience": ["grief_loss"],
    "practice_area": "family", "career_band": "21_plus", "region": "calgary",
    "languages": ["en"], "capacity": "2",
}


def change(app, act, *args):
    with app.app_context():
        act(db.session, *args)
        db.session.commit()


def saved(app, profile) -> VolunteerProfile:
    with app.app_context():
        return db.session.get(VolunteerProfile, profile.id)


def save(client, **changes):
    return client.post("/volunteer/profile", data={**ANSWERS, **changes,
                                                   "csrf_token": csrf_token(client)})


def test_a_new_region_is_offered_and_saved(app, client, make_volunteer, sign_in):
    change(app, program_lists.add_entry, "regions", "Canmore")
    profile = sign_in(make_volunteer())
    assert '<option value="canmore">Canmore</option>' in client.get(
        "/volunteer/profile").get_data(as_text=True)
    assert save(client, region="canmore").status_code == 303
    assert saved(app, profile).region == "canmore"


def test_a_retired_region_the_volunteer_has_stays_until_they_change_it(
        app, client, make_volunteer, sign_in):
    profile = sign_in(make_volunteer(region="rural_north", practice_area="tax"))
    change(app, program_lists.retire_entry, "regions", "rural_north")
    change(app, program_lists.retire_entry, "practice_areas", "tax")
    page = client.get("/volunteer/profile").get_data(as_text=True)
    assert '<option selected value="rural_north">Rural north</option>' in page
    assert save(client, region="rural_north", practice_area="tax").status_code == 303
    assert (saved(app, profile).region, saved(app, profile).practice_area) == ("rural_north", "tax")
    assert save(client, region="edmonton").status_code == 303
    assert saved(app, profile).region == "edmonton"
    again = client.get("/volunteer/profile").get_data(as_text=True)
    assert 'value="rural_north"' not in again  # once left, a retired region is not offered


def test_a_retired_region_the_volunteer_never_had_is_refused(app, client, make_volunteer,
                                                            sign_in):
    sign_in(make_volunteer(region="calgary"))
    change(app, program_lists.retire_entry, "regions", "rural_north")
    response = save(client, region="rural_north", display_name="Kept")
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "Please choose one of the options shown" in text
    assert 'value="Kept"' in text
