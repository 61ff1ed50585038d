"""Every public and participant page: quick exit, neutral words, nothing from other hosts."""

from __future__ import annotations

import re

import pytest

from portal.models import IntakeState, MatchState

NEUTRAL_BANNED = ("addiction", "crisis", "suicide", "alcohol", "substance", "depression")


def _pages(client, login_as, program, wizard) -> dict[str, str]:
    """The body of every public and participant page, visited as a person would."""
    pages = {url: client.get(url).get_data(as_text=True)
             for url in ("/", "/privacy", "/request", "/request/sent", "/my/deleted")}
    wizard.safety("yes")
    pages["/request (help now)"] = client.get("/request").get_data(as_text=True)
    for name in ("about", "support", "preferences", "availability", "contact", "conflicts"):
        pages[f"/request/{name}"] = client.get(f"/request/{name}").get_data(as_text=True)
        wizard.step(name)
    pages["/request/consent"] = client.get("/request/consent").get_data(as_text=True)
    user = login_as("participant")
    intake = program.intake(user, state=IntakeState.MATCHED)
    program.match(intake, program.volunteer(), state=MatchState.ACTIVE)
    for url in ("/my", "/my/change", "/my/withdraw", "/my/delete"):
        pages[url] = client.get(url).get_data(as_text=True)
    return pages


@pytest.fixture
def pages(client, login_as, program, wizard):
    found = _pages(client, login_as, program, wizard)
    assert all("<html" in body for body in found.values())
    return found


def test_quick_exit_is_on_every_public_and_participant_page(pages):
    for url, body in pages.items():
        assert re.search(r'<a class="quick-exit" id="quick-exit" href="/exit"', body), url
        assert "Esc three times" in body, url


def test_no_page_loads_or_links_to_another_host(pages):
    for url, body in pages.items():
        body = re.sub(r'id="quick-exit" href="[^"]+"', "", body)
        body = re.sub(r'data-quick-exit="[^"]+"', "", body)
        assert not re.search(r'(src|href|action|hx-get|hx-post)="(https?:)?//', body), url
        assert "url(" not in body, url


def test_no_page_has_inline_script_or_style(pages):
    for url, body in pages.items():
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), url
        assert "<style" not in body and " style=" not in body and " on" + "click=" not in body, url


def test_every_title_is_neutral(pages):
    """Each page is told apart by its title, which names no condition and no person."""
    for url, body in pages.items():
        title = re.search(r"<title>([^<]*)</title>", body).group(1)
        assert title.endswith("Member support portal"), (url, title)
        assert not any(word in title.lower() for word in NEUTRAL_BANNED), (url, title)
    titles = {re.search(r"<title>([^<]*)</title>", body).group(1) for body in pages.values()}
    assert len(titles) >= len(pages) - 1  # the safety question shows twice (before and after)


def test_participant_urls_use_neutral_words(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in ("participant", "public"):
            assert not any(word in rule.rule.lower() for word in NEUTRAL_BANNED + ("intake",)), rule


def test_every_participant_view_declares_who_may_open_it(app):
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith("participant."):
            assert getattr(view, "access", None) in ("public", ("participant",)), endpoint


def test_the_landing_page_says_what_peer_support_is_and_is_not(client):
    page = client.get("/").get_data(as_text=True)
    for words in ("not professional help", "twelve-step", "legal, medical or financial advice",
                  "within legal and ethical limits", "What happens after you ask",
                  "within one to two weeks", 'href="tel:911"', 'href="tel:988"',
                  'href="/request"', "Ask for a peer"):
        assert words in page, words


def test_pages_work_on_a_phone(pages):
    for url, body in pages.items():
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in body, url
