"""Profile and boundaries: bounded answers, encrypted firms and name as blind-indexed conflicts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import ConflictEntry, ConflictKind, OnboardingState, VolunteerProfile
from portal.security.crypto import blind_index
from portal.services.errors import Conflict
from tests.conftest import HX, csrf_token

GOOD = {
    "display_name": "Robin",
    "full_name": "Robin Ashdown-Clarke",
    "experience": ["grief_loss", "isolation"],
    "boundaries": ["alcohol", "other_drugs"],
    "practice_area": "wills_estates",
    "career_band": "21_plus",
    "region": "lethbridge",
    "languages": ["en", "fr"],
    "gender": "woman",
    "firms": "Coulee & Partners LLP\nProvincial Crown Office\n\ncoulee and partners",
    "note_for_coordinator": "Evenings suit me best.",
    "capacity": "3",
}


def saved_profile(app, profile) -> VolunteerProfile:
    with app.app_context():
        return db.session.get(VolunteerProfile, profile.id)


def conflicts(app, profile) -> list[ConflictEntry]:
    with app.app_context():
        return db.session.execute(sa.select(ConflictEntry).where(
            ConflictEntry.volunteer_id == profile.id).order_by(ConflictEntry.created_at)
        ).scalars().all()


def test_the_profile_saves_every_answer_including_boundaries(app, client, make_volunteer, sign_in):
    profile = sign_in(make_volunteer(firm=None))
    response = client.post("/volunteer/profile", data={**GOOD, "csrf_token": csrf_token(client)})
    assert response.status_code == 303
    saved = saved_profile(app, profile)
    assert (saved.display_name, saved.practice_area, saved.career_band, saved.region) == (
        "Robin", "wills_estates", "21_plus", "lethbridge")
    assert saved.experience == ["grief_loss", "isolation"]
    assert saved.boundaries == ["alcohol", "other_drugs"]
    assert (saved.languages, saved.gender, saved.capacity) == (["en", "fr"], "woman", 3)
    assert saved.note_for_coordinator == "Evenings suit me best."
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your profile is saved" in page


def test_firms_and_full_name_are_encrypted_conflicts_found_by_blind_index(app, client,
                                                                          make_volunteer, sign_in):
    profile = sign_in(make_volunteer(firm="Old Firm"))
    client.post("/volunteer/profile", data={**GOOD, "csrf_token": csrf_token(client)})
    entries = conflicts(app, profile)
    firms = [e for e in entries if e.kind == ConflictKind.FIRM]
    own = [e for e in entries if e.kind == ConflictKind.OWN_NAME]
    with app.app_context():
        assert [e.value for e in firms] == ["Coulee & Partners LLP", "Provincial Crown Office"]
        assert [e.value for e in own] == ["Robin Ashdown-Clarke"]
        # "coulee and partners" is the same firm once normalised: kept once
        assert firms[0].value_index == blind_index("COULEE AND PARTNERS", "name")
    for entry in entries:
        assert b"Coulee" not in entry.value_ct and b"Robin" not in entry.value_ct


def test_saving_again_replaces_the_conflicts_instead_of_piling_them_up(app, client,
                                                                       make_volunteer, sign_in):
    profile = sign_in(make_volunteer())
    for _ in range(2):
        client.post("/volunteer/profile", data={**GOOD, "csrf_token": csrf_token(client)})
    assert len(conflicts(app, profile)) == 3
    client.post("/volunteer/profile", data={**GOOD, "firms": "", "csrf_token": csrf_token(client)})
    assert [e.kind for e in conflicts(app, profile)] == [ConflictKind.OWN_NAME]


def test_a_firm_typed_in_the_profile_blocks_a_participant_from_that_firm(
        app, client, make_volunteer, make_intake, make_offer, sign_in):
    profile = sign_in(make_volunteer(firm=None, name=""))
    client.post("/volunteer/profile", data={**GOOD, "boundaries": [],
                                            "csrf_token": csrf_token(client)})
    with pytest.raises(Conflict, match="conflict of interest"):
        make_offer(make_intake(firms=["Coulee and Partners"], region="lethbridge"), profile)
    with pytest.raises(Conflict, match="conflict of interest"):
        make_offer(make_intake(do_not_match=["robin ashdown clarke"]), profile)


def test_the_form_shows_the_volunteers_current_answers(client, make_volunteer, sign_in):
    sign_in(make_volunteer(name="Avery Lang", firm="Bow River Law", capacity=2))
    page = client.get("/volunteer/profile").get_data(as_text=True)
    assert 'value="Avery Lang"' in page and "Bow River Law</textarea>" in page
    assert '<option selected value="2">' in page


def test_saving_over_htmx_returns_the_form_region(app, client, make_volunteer, sign_in):
    sign_in(make_volunteer())
    response = client.post("/volunteer/profile", data=GOOD,
                           headers={**HX, "X-CSRFToken": csrf_token(client)})
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and fragment.lstrip().startswith('<section id="profile-form"')
    assert "Your profile is saved" in fragment


@pytest.mark.parametrize("changes, field, message", [
    ({"capacity": "9"}, "capacity", "choose one of the options"),
    ({"capacity": "lots"}, "capacity", "choose one of the options"),
    ({"capacity": ""}, "capacity", "choose one of the options"),  # was a 500 (hostile walk)
    ({"display_name": "x" * 61}, "display_name", "60 characters or fewer"),
    ({"display_name": "   "}, "display_name", "Please enter a name"),
    ({"full_name": "Q"}, "full_name", "between 2 and 120"),
    ({"languages": []}, "languages", "at least one language"),
    ({"boundaries": ["grief_loss", "not-a-concern"]}, "boundaries", "choose one of the options"),
    ({"region": ""}, "region", "region closest to you"),
    ({"firms": "\n".join(f"Firm {i}" for i in range(11))}, "firms", "at most 10"),
    ({"firms": "F" * 121}, "firms", "120 characters or fewer"),
    ({"note_for_coordinator": "n" * 1001}, "note_for_coordinator", "1,000 characters"),
])
def test_every_field_is_bounded_and_errors_sit_beside_the_field(app, client, make_volunteer,
                                                                sign_in, changes, field, message):
    profile = sign_in(make_volunteer(display_name="Before"))
    data = {**GOOD, "display_name": "Typed Name", **changes}
    response = client.post("/volunteer/profile", data=data,
                           headers={**HX, "X-CSRFToken": csrf_token(client)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    if field != "display_name":
        assert 'value="Typed Name"' in html  # what was typed is kept
    assert saved_profile(app, profile).display_name == "Before"
    plain = client.post("/volunteer/profile", data={**data, "csrf_token": csrf_token(client)})
    assert plain.status_code == 422 and "<html" in plain.get_data(as_text=True)


@pytest.mark.parametrize("state, words", [
    (OnboardingState.APPLIED, "about screening and training"),
    (OnboardingState.TRAINED, "make you active soon"),
    (OnboardingState.PAUSED, "paused offers to you"),
    (OnboardingState.ACTIVE, "You are active"),
])
def test_the_profile_says_plainly_whether_the_volunteer_can_be_matched(client, make_volunteer,
                                                                       sign_in, state, words):
    sign_in(make_volunteer(state=state))
    assert words in client.get("/volunteer/profile").get_data(as_text=True)
    assert words in client.get("/volunteer/").get_data(as_text=True)


def test_an_unfinished_profile_is_named_as_the_reason(client, make_volunteer, sign_in):
    sign_in(make_volunteer(region=None))
    page = client.get("/volunteer/").get_data(as_text=True)
    assert "missing a few answers" in page and "Finish your profile" in page
