"""The request page: need-to-know first, private details only on purpose, every look recorded."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import AuditEvent, RevealNote
from tests.conftest import HX

PRIVATE = {"note": "Struggling since the merger at Ridgeway", "phone": "403 555 0199",
           "contact_times": "Weekday evenings after seven"}


@pytest.fixture
def private_intake(make_intake):
    """A request with every private field filled in."""
    return make_intake(alias="Morgan", urgent=True, **PRIVATE,
                       firms=["Ridgeway Barristers LLP"], do_not_match=["Casey Lindqvist"])


def test_the_page_shows_the_need_to_know_summary(client, staff, make_intake):
    intake = make_intake(alias="Morgan", member_type="articling_student", career_band="0_2",
                         practice_area="criminal", region="edmonton",
                         concerns=["anxiety", "isolation"], primary_concern="isolation",
                         practice_pref="same", availability_mask=0b1000)
    page = client.get(f"/coordinator/intakes/{intake.id}").get_data(as_text=True)
    for words in ("Morgan", "Articling student", "0–2 years", "Criminal", "Edmonton", "Isolation",
                  "Anxiety", "Same practice area", "Weekly times this person is free"):
        assert words in page
    assert page.index("Isolation") < page.index("Anxiety")  # the main concern first
    assert page.count("✓") == 1  # Monday evening only


def test_private_details_are_not_on_the_page_until_revealed(client, staff, private_intake):
    page = client.get(f"/coordinator/intakes/{private_intake.id}").get_data(as_text=True)
    for value in (*PRIVATE.values(), "Ridgeway Barristers", "Casey Lindqvist"):
        assert value not in page
    assert "Reveal" in page


def test_opening_the_page_records_a_view_before_anything_is_shown(
        app, client, staff, private_intake, events, monkeypatch):
    from portal.security import audit
    from portal.services.triage import record

    order = []
    real_record, real_summary = audit.record, record.summary_of
    monkeypatch.setattr(audit, "record", lambda *a, **k: order.append("audit") or real_record(*a, **k))
    monkeypatch.setattr(record, "summary_of", lambda *a: order.append("read") or real_summary(*a))
    assert client.get(f"/coordinator/intakes/{private_intake.id}").status_code == 200
    assert order[:2] == ["audit", "read"]
    (view,) = events("view", private_intake.id)
    assert (view.actor_id, view.actor_role, view.detail) == (staff.id, "coordinator", "page")


def test_if_the_view_cannot_be_recorded_nothing_is_shown(client, staff, private_intake, monkeypatch):
    from portal.security import audit

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", broken)
    response = client.get(f"/coordinator/intakes/{private_intake.id}")
    assert response.status_code == 500
    assert "Morgan" not in response.get_data(as_text=True)
    assert "Something went wrong" in response.get_data(as_text=True)


@pytest.mark.parametrize("group, shown, fields", [
    ("note", [PRIVATE["note"]], ["note"]),
    ("contact", [PRIVATE["phone"], PRIVATE["contact_times"]], ["phone", "contact_times", "email"]),
    ("conflicts", ["Ridgeway Barristers LLP", "Casey Lindqvist"], ["firms", "do_not_match"]),
])
def test_revealing_records_each_field_name_and_returns_the_values(
        client, staff, post, private_intake, events, group, shown, fields):
    response = post(f"/coordinator/intakes/{private_intake.id}/reveal", {"field": group, "reason": "arrange_contact"}, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="intake-sensitive"')
    for value in shown:
        assert value in body
    reveals = events("reveal", private_intake.id)
    assert [event.detail for event in reveals] == fields
    assert {event.actor_id for event in reveals} == {staff.id}


def test_a_revealed_value_never_reaches_the_logs_or_the_audit_table(
        app, client, staff, post, private_intake, caplog):
    caplog.set_level(logging.DEBUG)
    for group in ("note", "contact", "conflicts"):
        post(f"/coordinator/intakes/{private_intake.id}/reveal", {"field": group, "reason": "arrange_contact"}, htmx=True)
    secrets = (*PRIVATE.values(), "Ridgeway", "Casey Lindqvist")
    for value in secrets:
        assert value not in caplog.text
    with app.app_context():
        rows = db.session.execute(sa.select(AuditEvent)).scalars().all()
        stored = " ".join(f"{e.action} {e.subject_id} {e.detail} {e.reason}" for e in rows)
    for value in secrets:
        assert value not in stored


def test_without_javascript_a_reveal_answers_with_the_whole_page(client, staff, post, private_intake):
    response = post(f"/coordinator/intakes/{private_intake.id}/reveal", {"field": "contact", "reason": "arrange_contact"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in body
    assert PRIVATE["phone"] in body and PRIVATE["note"] not in body


def test_a_reveal_that_cannot_be_recorded_shows_nothing(client, staff, post, private_intake,
                                                        monkeypatch):
    from portal.security import audit

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", broken)
    response = post(f"/coordinator/intakes/{private_intake.id}/reveal", {"field": "contact", "reason": "arrange_contact"})
    assert response.status_code == 500
    assert PRIVATE["phone"] not in response.get_data(as_text=True)


def test_a_reveal_without_a_choice_answers_422_with_the_form(client, staff, post, private_intake,
                                                             events):
    response = post(f"/coordinator/intakes/{private_intake.id}/reveal", {}, htmx=True)
    assert response.status_code == 422
    assert "Please choose one of the options shown." in response.get_data(as_text=True)
    assert events("reveal") == []


def test_the_page_lists_who_looked_by_role_and_time(client, staff, post, private_intake):
    post(f"/coordinator/intakes/{private_intake.id}/reveal", {"field": "note", "reason": "arrange_contact"}, htmx=True)
    page = client.get(f"/coordinator/intakes/{private_intake.id}").get_data(as_text=True)
    looks = " ".join(re.sub(r"<[^>]+>", "", page[page.index("Who has looked at this record"):])
                     .split())
    # Staff see who, by name (their email when they gave none): "recorded with your name".
    assert f"{staff.email} (a coordinator) opened the record" in looks
    assert f"{staff.email} (a coordinator) revealed their note (To arrange contact or an " \
        "introduction)" in looks


def test_a_reveal_asks_why_and_shows_nothing_without_a_reason(client, staff, post, private_intake,
                                                              events):
    response = post(f"/coordinator/intakes/{private_intake.id}/reveal", {"field": "note"},
                    htmx=True)
    assert response.status_code == 422
    assert "Why do you need to see it?" in response.get_data(as_text=True)
    assert PRIVATE["note"] not in response.get_data(as_text=True)
    assert events("reveal") == []


def test_the_reason_is_audited_and_its_words_kept_encrypted_beside_the_log(
        app, client, staff, post, private_intake, events):
    words = "Calling Morgan back about the evening slot"
    post(f"/coordinator/intakes/{private_intake.id}/reveal",
         {"field": "note", "reason": "other", "words": words}, htmx=True)
    [event] = events("reveal", private_intake.id)
    assert (event.detail, event.reason) == ("note", "other")
    with app.app_context():
        note = db.session.execute(sa.select(RevealNote)).scalar_one()
        assert note.words == words and note.audit_event_id == event.id
        assert words.encode() not in note.words_ct


def test_words_too_long_are_refused_and_kept_in_the_form(client, staff, post, private_intake,
                                                         events):
    words = "x" * 201
    response = post(f"/coordinator/intakes/{private_intake.id}/reveal",
                    {"field": "note", "reason": "other", "words": words}, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "200 characters or fewer" in body
    assert f'value="{words}"' in body and PRIVATE["note"] not in body
    assert events("reveal") == []


def test_the_page_and_its_htmx_fragment_share_one_url(client, staff, private_intake):
    url = f"/coordinator/intakes/{private_intake.id}"
    full, part = client.get(url), client.get(url, headers=HX)
    assert "<html" in full.get_data(as_text=True)
    assert part.get_data(as_text=True).lstrip().startswith('<div id="intake-work"')
    assert "HX-Request" in part.headers["Vary"]


def test_an_unknown_request_is_404(client, staff):
    response = client.get("/coordinator/intakes/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404
