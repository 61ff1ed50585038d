"""Today after the introduction: a check-in asking for a referral, a first contact that never
came and a relationship gone quiet each have their own bounded list, until they are resolved."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from portal.db import db
from portal.models import Match, User, utcnow
from portal.services import relationships
from portal.services.triage import labels
from portal.services.triage import silent as silent_service
from portal.services.triage import today as today_service
from tests.conftest import HX


def text(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def region(page: str, name: str) -> str:
    """The text of one region of Today, from its opening tag to the next region's."""
    start = page.index(f'<section id="{name}"')
    return page[start:page.find("<section", start + 1)]


# ---------------------------------------------------------------- needs a referral

def test_a_check_in_asking_for_a_referral_is_on_today_until_marked_handled(
        client, staff, post, make_intake, make_volunteer, flagged_check_in, events):
    entry = flagged_check_in(make_intake(alias="Wants Help"), make_volunteer(name="Kind Vol"),
                             "needs_referral")
    page = text(client.get("/coordinator/"))
    assert "Wants Help" in region(page, "today-referrals")
    assert "flagged by Kind Vol" in region(page, "today-referrals")
    assert "<strong>1</strong> referral to arrange" in page

    response = post(f"/coordinator/check-ins/{entry.id}/acknowledge", htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "today-changed"
    body = text(response)
    assert body.startswith('<section id="today-referrals"')
    assert "marked as handled" in body and "Wants Help" not in body
    assert "Wants Help" not in text(client.get("/coordinator/today/referrals", headers=HX))
    (handled,) = events("acknowledge", entry.id)
    assert (handled.actor_id, handled.detail) == (staff.id, "needs_referral")


def test_marking_a_referral_handled_works_without_javascript(
        client, staff, post, make_intake, make_volunteer, flagged_check_in):
    entry = flagged_check_in(make_intake(alias="Wants Help"), make_volunteer(), "needs_referral")
    response = post(f"/coordinator/check-ins/{entry.id}/acknowledge")
    assert response.status_code == 303 and response.headers["Location"] == "/coordinator/"
    assert "Wants Help" not in region(text(client.get("/coordinator/")), "today-referrals")


def test_a_referral_is_not_listed_as_a_safety_concern(client, staff, make_intake, make_volunteer,
                                                      flagged_check_in):
    flagged_check_in(make_intake(alias="Wants Help"), make_volunteer(), "needs_referral")
    page = text(client.get("/coordinator/"))
    assert "Wants Help" not in region(page, "today-safety")


# ---------------------------------------------------------------- first contact overdue

def test_no_first_contact_past_the_coordinator_day_is_listed_with_a_link_to_the_match(
        client, staff, silent):
    match = silent(days=5.2)
    silent(days=4, alias="Not Yet Late")
    page = text(client.get("/coordinator/"))
    listed = region(page, "today-follow-through")
    assert "Still Waiting" in listed and "Slow Vol" in listed
    assert f'href="/coordinator/intakes/{match.intake_id}#intake-history"' in listed
    assert "Not Yet Late" not in listed
    assert "<strong>1</strong> first contact overdue" in page


def test_the_overdue_list_follows_the_clock(app, silent):
    match = silent(days=0)
    with app.app_context():
        assert silent_service.first_contact_overdue(db.session) == []
        with time_machine.travel(utcnow() + timedelta(days=5, hours=1), tick=False):
            (item,) = silent_service.first_contact_overdue(db.session)
            assert item.match_id == match.id
            assert today_service.glance(db.session).overdue_contact == 1


def test_the_overdue_list_follows_the_settings(app, silent):
    from portal.services import settings

    silent(days=2.5)
    with app.app_context():
        assert silent_service.first_contact_overdue(db.session) == []
        settings.put(db.session, "first_contact_days", {"remind": 1, "escalate": 2})
        db.session.commit()
        assert len(silent_service.first_contact_overdue(db.session)) == 1


def test_a_confirmed_first_contact_takes_it_off_today(app, client, staff, silent):
    from portal.services import follow_through

    match = silent(days=6)
    assert "Still Waiting" in text(client.get("/coordinator/today/follow-through", headers=HX))
    with app.app_context():
        row = db.session.get(Match, match.id)
        volunteer = db.session.get(User, _volunteer_user_id(row))
        follow_through.confirm_first_contact(db.session, row, actor=volunteer)
        db.session.commit()
    assert "Still Waiting" not in text(client.get("/coordinator/today/follow-through",
                                                  headers=HX))


def test_an_ended_relationship_leaves_today(app, client, staff, silent):
    match = silent(days=6)
    assert "Still Waiting" in text(client.get("/coordinator/today/follow-through", headers=HX))
    with app.app_context():
        row = db.session.get(Match, match.id)
        relationships.close_relationship(db.session, row, actor=None, reason="withdrawn")
        db.session.commit()
    assert "Still Waiting" not in text(client.get("/coordinator/today/follow-through",
                                                  headers=HX))


# ---------------------------------------------------------------- quiet relationships

def test_a_relationship_quiet_past_the_second_threshold_is_listed(client, staff, quiet):
    match = quiet(weeks=6.2)
    quiet(weeks=5, alias="Only A Little Quiet")
    page = text(client.get("/coordinator/"))
    listed = region(page, "today-follow-through")
    assert "Gone Quiet" in listed and "Quiet Vol" in listed
    assert f'href="/coordinator/intakes/{match.intake_id}#intake-history"' in listed
    assert "Only A Little Quiet" not in listed
    assert "<strong>1</strong> quiet relationship" in page


def test_a_check_in_takes_a_quiet_relationship_off_today(program_today, app, client, staff, quiet):
    match = quiet(weeks=7)
    assert "Gone Quiet" in text(client.get("/coordinator/today/follow-through", headers=HX))
    with app.app_context():
        row = db.session.get(Match, match.id)
        relationships.log_check_in(db.session, row, actor=None, occurred_on=program_today,
                                   mode="phone", flag="going_well")
        db.session.commit()
    assert "Gone Quiet" not in text(client.get("/coordinator/today/follow-through", headers=HX))


def test_the_quiet_list_follows_the_clock(app, quiet):
    quiet(weeks=0)
    with app.app_context():
        assert silent_service.quiet_relationships(db.session) == []
        with time_machine.travel(utcnow() + timedelta(weeks=6, hours=1), tick=False):
            assert len(silent_service.quiet_relationships(db.session)) == 1


def test_the_follow_through_lists_are_bounded_and_counted(client, staff, silent, quiet,
                                                         monkeypatch):
    monkeypatch.setattr(labels, "LIST_LIMIT", 2)  # every list of Today reads it there
    for n in range(3):
        silent(days=6 + n, alias=f"Silent {n}")
        quiet(weeks=7 + n, alias=f"Quiet {n}")
    page = text(client.get("/coordinator/"))
    listed = region(page, "today-follow-through")
    assert listed.count('history">Silent ') == 2 and listed.count('history">Quiet ') == 2
    assert "<strong>3</strong> first contacts overdue" in page
    assert "<strong>3</strong> quiet relationships" in page
    # the longest waiting first
    assert "Silent 2" in listed and "Silent 0" not in listed


def _volunteer_user_id(match: Match):
    from portal.models import VolunteerProfile

    return db.session.get(VolunteerProfile, match.volunteer_id).user_id
