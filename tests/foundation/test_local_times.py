"""Times shown to people are in the program's zone, read once per request."""

from datetime import UTC, datetime

import time_machine

from portal.db import db
from portal.services import notifications, settings

ALBERTA_EVENING = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # 20:00 on 1 Dec in Alberta


def notices_page_with_one_notice(app, client, login_as) -> str:
    """A volunteer's notices page, with one notice written on an Alberta evening."""
    with time_machine.travel(ALBERTA_EVENING, tick=False):
        user = login_as("volunteer")
        with app.app_context():
            notifications.notify(db.session, user, "offer")
            db.session.commit()
        return client.get("/notifications/").get_data(as_text=True)


def test_the_notice_list_shows_the_alberta_time_not_utc(app, client, login_as):
    page = notices_page_with_one_notice(app, client, login_as)
    assert "2026-12-01 20:00 MST" in page
    assert 'datetime="2026-12-02T03:00:00' in page  # the machine-readable instant stays UTC
    assert " UTC" not in page


def test_the_shown_zone_follows_the_setting(app, client, login_as):
    with app.app_context():
        settings.put(db.session, "program_timezone", "America/Halifax")
        db.session.commit()
    page = notices_page_with_one_notice(app, client, login_as)
    assert "2026-12-01 23:00 AST" in page


def test_a_page_of_times_reads_the_zone_once(app, client, login_as, monkeypatch):
    user = login_as("volunteer")
    with app.app_context():
        for _ in range(5):
            notifications.notify(db.session, user, "offer")
        db.session.commit()
    reads = []
    real_get = settings.get
    monkeypatch.setattr(settings, "get", lambda session, key: reads.append(key) or real_get(session, key))
    client.get("/notifications/")
    assert reads.count("program_timezone") == 1
