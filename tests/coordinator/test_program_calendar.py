"""One calendar: the engine, the request page, the offer gate, quiet hours and every time
shown read the program's time zone (a setting), not the UTC date."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from portal.db import db
from portal.matching import Reason
from portal.models import Intake, Suggestion, User, VolunteerProfile
from portal.services import matching, offers, settings, triage
from portal.services.notifications import quiet_until

# 20:00 on 1 December in Alberta; the UTC date is already the 2nd.
ALBERTA_EVENING = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
# 01:00 on 2 December in Alberta.
ALBERTA_NIGHT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
AWAY = {"away_from": date(2026, 11, 20), "away_until": date(2026, 12, 1)}


@contextmanager
def at(moment):
    with time_machine.travel(moment, tick=False):
        yield


def suggested(app, intake) -> set:
    """Run the real engine for the request and return who it suggested."""
    with app.app_context():
        matching.suggest_for_intake(db.session, intake.id)
        db.session.commit()
        return set(db.session.execute(sa.select(Suggestion.volunteer_id)
                                      .where(Suggestion.intake_id == intake.id)).scalars())


def marks(app, intake) -> dict:
    with app.app_context():
        return {row.volunteer_id: row.blocked
                for row in triage.suggestion_rows(db.session, db.session.get(Intake, intake.id))}


def gate(app, intake, profile, actor) -> Reason:
    """What the offer says about the pair now (rolled back, so it can be asked again)."""
    with app.app_context():
        session = db.session
        try:
            offers.make_offer(session, session.get(Intake, intake.id),
                              session.get(VolunteerProfile, profile.id),
                              actor=session.get(User, actor.id))
            return Reason.ELIGIBLE
        except offers.Ineligible as refusal:
            return refusal.reason
        finally:
            session.rollback()


def go_away(app, profile) -> None:
    with app.app_context():
        saved = db.session.get(VolunteerProfile, profile.id)
        saved.away_from, saved.away_until = AWAY["away_from"], AWAY["away_until"]
        db.session.commit()


def test_engine_page_and_offer_agree_the_volunteer_is_still_away_on_an_alberta_evening(
        app, client, make_user, make_intake, make_volunteer):
    coordinator = make_user("coordinator")
    intake, profile = make_intake(), make_volunteer(name="Morgan Lee")
    suggested(app, intake)  # worked out before they went away
    go_away(app, profile)
    with at(ALBERTA_EVENING):
        assert marks(app, intake)[profile.id] is not None  # the page, before re-running
        assert "away" in marks(app, intake)[profile.id]
        assert gate(app, intake, profile, coordinator) is Reason.PAUSED_OR_AWAY
        assert profile.id not in suggested(app, intake)


def test_engine_page_and_offer_agree_the_volunteer_is_back_after_midnight_in_alberta(
        app, make_user, make_intake, make_volunteer):
    coordinator = make_user("coordinator")
    intake, profile = make_intake(), make_volunteer(**AWAY)
    with at(ALBERTA_NIGHT):
        assert profile.id in suggested(app, intake)
        assert marks(app, intake)[profile.id] is None
        assert gate(app, intake, profile, coordinator) is Reason.ELIGIBLE


def test_the_request_page_shows_the_away_volunteer_blocked_in_the_alberta_evening(
        app, client, login_as, make_intake, make_volunteer, suggest):
    intake, profile = make_intake(), make_volunteer(name="Morgan Lee")
    suggest(intake)
    go_away(app, profile)
    with at(ALBERTA_EVENING):
        login_as("coordinator")
        page = client.get(f"/coordinator/intakes/{intake.id}").get_data(as_text=True)
    assert "is-blocked" in page and "away" in page


@pytest.mark.parametrize(("zone", "away"), [("UTC", False), ("America/Edmonton", True)])
def test_the_program_time_zone_setting_decides_today_for_all_three(
        app, make_user, make_intake, make_volunteer, zone, away):
    coordinator = make_user("coordinator")
    intake, profile = make_intake(), make_volunteer(**AWAY)
    with app.app_context():
        settings.put(db.session, "program_timezone", zone)
        db.session.commit()
    with at(ALBERTA_EVENING):
        assert (profile.id not in suggested(app, intake)) is away
        expected = Reason.PAUSED_OR_AWAY if away else Reason.ELIGIBLE
        assert gate(app, intake, profile, coordinator) is expected


def test_quiet_hours_follow_the_program_time_zone(app):
    with app.app_context():
        settings.put(db.session, "quiet_hours", {"start": "21:00", "end": "07:00"})
        settings.put(db.session, "program_timezone", "Asia/Tokyo")  # UTC+9
        db.session.commit()
        # 22:00 in Tokyo: quiet until 07:00 there, 22:00 UTC.
        assert quiet_until(db.session, datetime(2026, 12, 2, 13, 0, tzinfo=UTC)) == datetime(
            2026, 12, 2, 22, 0, tzinfo=UTC)
        assert quiet_until(db.session, datetime(2026, 12, 2, 5, 0, tzinfo=UTC)) is None  # 14:00


def test_offer_answer_due_is_shown_in_alberta_time(
        app, client, login_as, make_intake, make_volunteer, offer):
    intake, profile = make_intake(), make_volunteer()
    with app.app_context():
        settings.put(db.session, "offer_expiry_hours", 24)
        db.session.commit()
    with at(ALBERTA_EVENING):
        offer(intake, profile)  # due 03:00 UTC on 3 Dec: 20:00 on 2 Dec in Alberta
        login_as("coordinator")
        page = client.get(f"/coordinator/intakes/{intake.id}").get_data(as_text=True)
    assert "2 Dec, 20:00 MST" in page
    assert "3 Dec, 03:00" not in page
