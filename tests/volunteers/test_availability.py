"""Availability in seconds: grid cells in place (and without JS), time away, the pause switch,
and one debounced recomputation however many changes are made."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.db import db
from portal.models import OnboardingState, OutboxJob, OutboxState, VolunteerProfile, utcnow
from tests.conftest import HX, csrf_token


def profile_of(app, profile) -> VolunteerProfile:
    with app.app_context():
        return db.session.get(VolunteerProfile, profile.id)


def recompute_jobs(app) -> list[OutboxJob]:
    with app.app_context():
        return db.session.execute(
            sa.select(OutboxJob).where(OutboxJob.kind == "recompute_for_volunteer")).scalars().all()


def htmx_post(client, url, data=None):
    return client.post(url, data=data or {}, headers={**HX, "X-CSRFToken": csrf_token(client)})


def plain_post(client, url, data=None):
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)})


# ---------------------------------------------------------------- the weekly grid

def test_the_grid_is_a_fieldset_with_a_legend_and_each_cell_is_labelled(app, client,
                                                                       make_volunteer, sign_in):
    sign_in(make_volunteer(availability_mask=1))
    page = client.get("/volunteer/availability").get_data(as_text=True)
    grid = re.search(r'<form id="availability-grid".*?</form>', page, re.S).group(0)
    assert re.search(r'<fieldset[^>]*id="cells"[^>]*>\s*<legend>Your weekly times</legend>', grid)
    labels = re.findall(r'<label for="cell-input-(\d+)">.*?<span class="visually-hidden">([^<]+)</span>',
                        grid, re.S)
    assert len(labels) == 28 and labels[0] == ("0", "Monday morning")
    assert labels[27] == ("27", "Sunday evening")


def test_a_cell_switches_on_and_off_in_place(app, client, make_volunteer, sign_in):
    profile = sign_in(make_volunteer(availability_mask=0))
    on = htmx_post(client, "/volunteer/availability/cells/5", {"on": "1"})
    assert on.status_code == 200
    cell = on.get_data(as_text=True).strip()
    assert cell.startswith('<td id="cell-5" class="avail-cell is-on">') and "checked" in cell
    assert '"on": "0"' in cell  # the next change asks for "off"
    assert "Tuesday midday" in cell  # 5 = Tuesday (day 1), midday (part 1)
    assert profile_of(app, profile).availability_mask == 1 << 5
    off = htmx_post(client, "/volunteer/availability/cells/5", {"on": "0"})
    assert "is-on" not in off.get_data(as_text=True)
    assert profile_of(app, profile).availability_mask == 0


def test_asking_for_the_same_state_twice_changes_nothing(app, client, make_volunteer, sign_in):
    profile = sign_in(make_volunteer(availability_mask=0))
    for _ in range(2):
        htmx_post(client, "/volunteer/availability/cells/27", {"on": "1"})
    assert profile_of(app, profile).availability_mask == 1 << 27


@pytest.mark.parametrize("url, data, status", [
    ("/volunteer/availability/cells/28", {"on": "1"}, 404),
    ("/volunteer/availability/cells/3", {"on": "maybe"}, 400),
    ("/volunteer/availability/cells/3", {}, 400),
])
def test_a_cell_outside_the_grid_or_a_strange_value_is_refused(app, client, make_volunteer,
                                                              sign_in, url, data, status):
    profile = sign_in(make_volunteer(availability_mask=0))
    assert htmx_post(client, url, data).status_code == status
    assert profile_of(app, profile).availability_mask == 0


def test_without_javascript_the_grid_is_a_form_that_saves_every_cell(app, client,
                                                                      make_volunteer, sign_in):
    profile = sign_in(make_volunteer(availability_mask=(1 << 28) - 1))
    page = client.get("/volunteer/availability").get_data(as_text=True)
    form = re.search(r'<form id="availability-grid"[^>]*>', page).group(0)
    assert 'method="post"' in form and 'action="/volunteer/availability"' in form
    assert page.count('name="cells"') == 28 and page.count(" checked") == 28
    response = client.post("/volunteer/availability",
                           data={"cells": ["0", "3", "27"], "csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert profile_of(app, profile).availability_mask == (1 << 0) | (1 << 3) | (1 << 27)
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your times are saved" in after and after.count(" checked") == 3


def test_a_tampered_grid_post_is_refused_and_nothing_changes(app, client, make_volunteer, sign_in):
    profile = sign_in(make_volunteer(availability_mask=1))
    response = plain_post(client, "/volunteer/availability", {"cells": ["2", "99"]})
    assert response.status_code == 422 and "<html" in response.get_data(as_text=True)
    assert profile_of(app, profile).availability_mask == 1


# ------------------------------------------------------------- one recomputation for many changes

def test_many_changes_in_a_minute_queue_one_recomputation(program_today, app, client, make_volunteer, sign_in):
    profile = make_volunteer(availability_mask=0)
    sign_in(profile)
    for cell in range(10):
        htmx_post(client, f"/volunteer/availability/cells/{cell}", {"on": "1"})
    htmx_post(client, "/volunteer/pause", {"paused": "1"})
    htmx_post(client, "/volunteer/away", {"away_from": program_today.isoformat()})
    [job] = recompute_jobs(app)
    assert job.state == OutboxState.PENDING and job.ref == str(profile.id)
    assert job.dedupe_key == f"recompute_for_volunteer:{profile.id}"
    assert timedelta(seconds=50) < job.run_after - utcnow() <= timedelta(seconds=60)


def test_the_debounced_recomputation_runs_once_on_the_real_queue(app, client, make_volunteer,
                                                                 sign_in, run_jobs):
    sign_in(make_volunteer(availability_mask=0))
    for cell in range(6):
        htmx_post(client, f"/volunteer/availability/cells/{cell}", {"on": "1"})
    assert run_jobs() == 0  # not due yet: more changes may still come
    with time_machine.travel(utcnow() + timedelta(seconds=61), tick=False):
        assert run_jobs() == 1
    [job] = recompute_jobs(app)
    assert job.state == OutboxState.DONE
    htmx_post(client, "/volunteer/availability/cells/7", {"on": "1"})
    assert len(recompute_jobs(app)) == 2  # a later change starts a new window


def test_changes_by_a_volunteer_not_yet_active_do_not_disturb_matching(app, client,
                                                                       make_volunteer, sign_in):
    sign_in(make_volunteer(state=OnboardingState.SCREENED, availability_mask=0))
    htmx_post(client, "/volunteer/availability/cells/1", {"on": "1"})
    assert recompute_jobs(app) == []


# ---------------------------------------------------------------- time away

def test_time_away_is_saved_and_stops_offers_on_those_days(program_today, app, client, make_volunteer, sign_in):
    profile = sign_in(make_volunteer())
    today = program_today
    response = htmx_post(client, "/volunteer/away", {
        "away_from": (today - timedelta(days=1)).isoformat(),
        "away_until": (today + timedelta(days=6)).isoformat()})
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="away"') and "You are away from" in fragment
    saved = profile_of(app, profile)
    assert saved.away_from == today - timedelta(days=1)
    assert saved.away_until == today + timedelta(days=6)
    assert "You are away at the moment" in client.get("/volunteer/").get_data(as_text=True)
    back = htmx_post(client, "/volunteer/away/clear")
    assert "Welcome back" in back.get_data(as_text=True)
    assert profile_of(app, profile).away_from is None
    assert "You are active" in client.get("/volunteer/").get_data(as_text=True)


@pytest.mark.parametrize("start, end, field, message", [
    (0, -2, "away_until", "on or after the first day"),
    (-10, -5, "away_until", "cannot be in the past"),
    (400, None, "away_from", "within the next year"),
    (0, 400, "away_until", "a year or less"),
    ("soon", None, "away_from", "like 2026-03-31"),
    ("", 3, "away_from", "like 2026-03-31"),
])
def test_time_away_out_of_bounds_is_refused_beside_its_field(program_today, app, client, make_volunteer, sign_in,
                                                            start, end, field, message):
    profile = sign_in(make_volunteer())
    today = program_today

    def day(value):
        return (today + timedelta(days=value)).isoformat() if isinstance(value, int) else value

    data = {"away_from": day(start), "away_until": day(end) if end is not None else ""}
    response = htmx_post(client, "/volunteer/away", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="away"')
    assert f'id="{field}-error"' in html and message in html
    if data["away_from"]:
        assert f'value="{data["away_from"]}"' in html  # typed values are kept
    assert profile_of(app, profile).away_from is None
    plain = plain_post(client, "/volunteer/away", data)
    assert plain.status_code == 422 and "<html" in plain.get_data(as_text=True)


# ---------------------------------------------------------------- pause

def test_the_pause_switch_stops_new_offers_and_can_be_switched_back(app, client, make_volunteer,
                                                                    sign_in):
    profile = sign_in(make_volunteer())
    paused = htmx_post(client, "/volunteer/pause", {"paused": "1"})
    assert paused.status_code == 200
    assert 'aria-checked="true"' in paused.get_data(as_text=True)
    assert profile_of(app, profile).paused is True
    assert "You have paused new offers" in client.get("/volunteer/").get_data(as_text=True)
    resumed = plain_post(client, "/volunteer/pause", {"paused": "0"})
    assert resumed.status_code == 303
    assert profile_of(app, profile).paused is False


def test_the_availability_page_works_as_one_page_without_javascript(client, make_volunteer,
                                                                    sign_in):
    sign_in(make_volunteer())
    page = client.get("/volunteer/availability").get_data(as_text=True)
    for region in ('id="availability-grid"', 'id="away"', 'id="pause"'):
        assert region in page
    for form_action in ('action="/volunteer/away"', 'action="/volunteer/pause"'):
        assert form_action in page
