"""Bad input: bounded fields, plain-words errors beside the field, everything typed kept."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import Intake
from tests.participant.conftest import CONSENT, STEP_DATA, count, wizard_region


def errors(body: str) -> dict[str, list[str]]:
    """Error messages by the id of the field they describe."""
    found: dict[str, list[str]] = {}
    for field_id, message in re.findall(r'<p class="error" id="([\w-]+)-error">([^<]*)</p>', body):
        found.setdefault(field_id, []).append(html.unescape(message))
    return found


CASES = [
    ("about", {"alias": ""}, "alias", "Please tell us a name to use"),
    ("about", {"alias": "x" * 61}, "alias", "60 characters or fewer"),
    ("about", {"member_type": "judge"}, "member_type", "Please choose one of the options shown."),
    ("about", {"member_type": None}, "member_type", "Please choose one of the options shown."),
    ("about", {"career_band": ""}, "career_band", "Please choose one of the options shown."),
    ("about", {"region": "atlantis"}, "region", "Please choose one of the options shown."),
    ("about", {"region": ""}, "region", "region closest to you"),
    ("about", {"languages": []}, "languages", "at least one language"),
    ("about", {"languages": ["en", "klingon"]}, "languages", "Please choose one of the options"),
    ("about", {"gender": "robot"}, "gender", "Please choose one of the options shown."),
    ("support", {"concerns": []}, "concerns", "Please choose at least one"),
    ("support", {"concerns": ["made_up"]}, "concerns", "Please choose one of the options"),
    ("support", {"primary_concern": "anxiety"}, "primary_concern", "one of the topics you ticked"),
    ("support", {"note": "x" * 2001}, "note", "2,000 characters or fewer"),
    ("preferences", {"gender_pref": "required"}, "preferred_gender", "Please choose a gender"),
    ("preferences", {"language_pref": "preferred"}, "preferred_language",
     "Please choose a language"),
    ("preferences", {"region_pref": "mars"}, "region_pref", "Please choose one of the options"),
    ("availability", {"cells": []}, "cells", "at least one time"),
    ("availability", {"cells": ["mon_midnight"]}, "cells", "Please choose one of the options"),
    ("contact", {"email": ""}, "email", "Please enter an email address"),
    ("contact", {"email": "not-an-address"}, "email", "like name@example.com"),
    ("contact", {"email": "a" * 250 + "@example.org"}, "email", "too long"),
    ("contact", {"phone": "call me maybe"}, "phone", "using digits"),
    ("contact", {"phone": "12"}, "phone", "using digits"),
    ("contact", {"phone": "1" * 31}, "phone", ""),
    ("contact", {"contact_times": "x" * 201}, "contact_times", "200 characters or fewer"),
    ("conflicts", {"firms": "\n".join(f"Firm {i}" for i in range(11))}, "firms", "at most 10"),
    ("conflicts", {"people": "y" * 121}, "people", "120 characters or fewer"),
]


@pytest.mark.parametrize("step, changes, field, message", CASES)
def test_each_bound_is_explained_beside_its_field(wizard, step, changes, field, message):
    wizard.fill(upto=None if step == "about" else list(STEP_DATA)[list(STEP_DATA).index(step) - 1])
    response = wizard.step(step, **changes)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field in errors(body), errors(body)
    assert any(message in text for text in errors(body)[field])
    assert f'aria-describedby="{field}' in body or f'{field}-error' in body


def test_an_invalid_htmx_post_answers_422_with_the_fragment(hx_wizard):
    hx_wizard.safety("no")
    response = hx_wizard.step("about", alias="", region="edmonton")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in body
    assert wizard_region(body).startswith('<section id="wizard"')
    assert "alias" in errors(body) and "HX-Push-Url" not in response.headers


def test_everything_typed_is_kept_next_to_the_errors(wizard):
    wizard.fill(upto="availability")
    response = wizard.step("contact", email="sam@", phone="403-555-0123 ext 9",
                           contact_times="Mornings <em>only</em>")
    body = response.get_data(as_text=True)
    assert set(errors(body)) == {"email", "phone"}
    assert 'value="sam@"' in body and 'value="403-555-0123 ext 9"' in body
    assert 'value="Mornings &lt;em&gt;only&lt;/em&gt;"' in body
    assert re.search(r'<input[^>]*checked[^>]*id="voicemail_ok"', body)


def test_a_field_with_errors_is_marked_invalid_and_others_are_not(wizard):
    wizard.safety("no")
    body = wizard.step("about", alias="").get_data(as_text=True)
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="alias"', body)
    assert 'aria-invalid="None"' not in body and 'aria-describedby="None"' not in body


def summary_links(body: str) -> list[tuple[str, str]]:
    """The error summary's links: (the field's id, the message)."""
    summary = re.search(r'<div class="error-summary"[^>]*>.*?</div>', body, re.S)
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary.group(0)) if summary else []


def test_a_failed_step_opens_with_an_error_summary_linking_to_each_field(wizard):
    wizard.safety("no")
    body = wizard.step("about", alias="", languages=[]).get_data(as_text=True)
    assert re.search(r'<div class="error-summary" role="alert" tabindex="-1"[^>]*autofocus', body)
    main = body[body.index('<main'):]  # the header's language switch is a form too
    assert main.index('class="error-summary"') < main.index('<form')
    links = summary_links(body)
    assert {target for target, _message in links} == set(errors(body))
    for target, message in links:
        assert f'id="{target}"' in body and html.unescape(message) in errors(body)[target]


def test_after_an_htmx_swap_the_summary_leaves_focus_to_the_first_field(hx_wizard):
    hx_wizard.safety("no")
    body = hx_wizard.step("about", alias="").get_data(as_text=True)
    assert summary_links(body) and "autofocus" not in body


def test_the_safety_questions_summary_links_to_its_question(wizard):
    body = wizard.post("/request", {"danger": "maybe"}).get_data(as_text=True)
    assert [target for target, _message in summary_links(body)] == ["danger"]
    assert 'id="danger"' in body


def test_the_safety_question_needs_an_answer(wizard):
    response = wizard.post("/request", {"danger": "maybe"})
    assert response.status_code == 422
    assert "Please choose one of the options shown." in response.get_data(as_text=True)


def test_consent_needs_both_agreements_and_a_sound_password(wizard):
    wizard.fill()
    response = wizard.submit(principles="", storage="", password="short", password_again="other")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert set(errors(body)) >= {"principles", "storage", "password", "password_again"}
    assert "at least 12 characters" in errors(body)["password"][0]
    assert "not the same" in errors(body)["password_again"][0]
    assert 'value="short"' not in body  # passwords are never written back into the page
    assert count("intake") == 0 and count("user_account") == 0


def test_html_in_any_field_is_shown_as_text(client, wizard, confirm_address, auth):
    script = "<script>alert('x')</script>"
    wizard.fill(about={"alias": f"Sam {script}"}, support={"note": f"<b>bold</b> {script}"},
                conflicts={"firms": "<img src=x onerror=alert(1)> LLP"})
    consent = client.get("/request/consent").get_data(as_text=True)
    assert script not in consent and "<b>bold</b>" not in consent and "<img src=x" not in consent
    assert "Sam &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in consent
    assert "&lt;b&gt;bold&lt;/b&gt;" in consent
    wizard.submit()
    confirm_address()
    auth.login("sam@example.org")
    home = client.get("/my").get_data(as_text=True)
    assert script not in home and "Sam &lt;script&gt;" in home


def test_an_existing_participant_who_proves_their_password_gets_the_request(
        app, client, make_user, wizard):
    user = make_user("participant", email="sam@example.org")
    wizard.fill()
    response = wizard.submit(password=CONSENT["password"])
    assert response.headers["Location"] == "/request/sent"
    assert count("user_account") == 1 and count("intake") == 1
    assert client.get("/my").status_code == 200
    with app.app_context():
        assert db.session.execute(sa.select(Intake.participant_id)).scalar_one() == user.id


def test_someone_with_a_request_in_progress_is_signed_in_and_sent_to_it(
        client, make_user, program, wizard):
    user = make_user("participant", email="sam@example.org")
    program.intake(user)
    wizard.fill()
    response = wizard.submit()
    assert response.headers["Location"] == "/my"
    assert count("intake") == 1
    assert "already have a request in progress" in client.get("/my").get_data(as_text=True)
