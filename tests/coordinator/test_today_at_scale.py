"""Today with a long queue: pages of requests, bounded lists, the same queries at any length."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.db import db
from portal.services import settings
from portal.services.triage import labels
from portal.services.triage import today as today_service
from tests.conftest import HX
from tests.queries import count_statements


def long_ago(app, match, *, first_contact: bool) -> None:
    """Accepted ten weeks ago: never contacted (overdue), or contacted then quiet."""
    from portal.models import Match, utcnow

    with app.app_context():
        row = db.session.get(Match, match.id)
        row.activated_at = utcnow() - timedelta(weeks=10)
        row.first_contact_at = row.activated_at if first_contact else None
        db.session.commit()


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(today_service, "PAGE_SIZE", 3)
    monkeypatch.setattr(labels, "LIST_LIMIT", 2)  # every list of Today reads it there


def test_the_queue_comes_in_pages_with_and_without_javascript(client, staff, make_intake,
                                                              small_pages):
    for n in range(7):
        make_intake(alias=f"Person {n}")
    first = client.get("/coordinator/").get_data(as_text=True)
    assert first.count('class="queue-item') == 3
    assert 'href="/coordinator/?state=waiting&amp;page=2"' in first
    assert "Page 1 of 3, 7 requests" in first
    last = client.get("/coordinator/?state=waiting&page=3", headers=HX).get_data(as_text=True)
    assert last.lstrip().startswith('<section id="today-queue"')
    assert last.count('class="queue-item') == 1
    assert 'page=2"' in last and "Next page" not in last
    whole = client.get("/coordinator/?state=waiting&page=3").get_data(as_text=True)
    assert "<h1>Today</h1>" in whole and whole.count('class="queue-item') == 1
    # Nonsense pages show the nearest real one.
    assert client.get("/coordinator/?page=99", headers=HX).get_data(as_text=True).count(
        'class="queue-item') == 1
    assert client.get("/coordinator/?page=x").status_code == 200


def test_today_sends_the_same_queries_however_long_the_lists(
        app, client, staff, make_intake, make_volunteer, decline, change_requested, offer,
        suggest, accept, flagged_check_in, monkeypatch):
    # The settings are read afresh once per counted page, however slow the machine: their
    # cache's expiry (CACHE_SECONDS) is time, not the length of the lists.
    monkeypatch.setattr(settings, "CACHE_SECONDS", 3600.0)
    counts = []
    for _round in range(2):
        for _ in range(4):
            make_intake()
            declined = make_intake()
            suggest(declined)
            decline(declined, make_volunteer())
            change_requested(make_intake(), make_volunteer())
            offer(make_intake(), make_volunteer())
            flagged_check_in(make_intake(), make_volunteer(), "needs_referral")
            flagged_check_in(make_intake(), make_volunteer(), "safety_concern")
            long_ago(app, accept(make_intake(), make_volunteer()), first_contact=False)
            long_ago(app, accept(make_intake(), make_volunteer()), first_contact=True)
        settings.forget_cached()  # both rounds read the settings (their cache is time-bound)
        with app.app_context(), count_statements(db.engine) as seen:
            assert client.get("/coordinator/").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1], counts


def test_today_reads_the_queue_and_each_latest_match_in_index_order(
        app, client, staff, make_intake, make_volunteer, decline, suggest):
    """No sort of every waiting request, nor one per request for its latest match."""
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("the query plans read here are SQLite's (PostgreSQL plans by table size)")
    for _ in range(3):
        make_intake(urgent=True)
        declined = make_intake()
        suggest(declined)
        decline(declined, make_volunteer())
    with app.app_context(), count_statements(db.engine, parameters=True) as seen:
        assert client.get("/coordinator/").status_code == 200
    ordered = [(statement, parameters) for statement, parameters in seen
               if "ORDER BY intake.urgent DESC" in statement
               or 'ORDER BY "match".offered_at DESC' in statement]
    assert len(ordered) >= 3  # the queue, and the two follow-up lists with their counts
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            for statement, parameters in ordered:
                plan = [row[-1] for row in raw.execute("EXPLAIN QUERY PLAN " + statement,
                                                       parameters)]
                assert not any("TEMP B-TREE" in step for step in plan), (statement, plan)
        finally:
            raw.close()
