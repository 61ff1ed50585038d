"""The participant's journey in a real browser on a phone-sized screen, under the strict policy."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD
from tests.participant.conftest import confirm_link

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def problems(page) -> list[str]:
    """Console errors and policy violations, except the browser's note of an expected 422."""
    return [text for text in page.console_problems if "status of 422" not in text]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def continue_to(page, path: str) -> None:
    page.click("#wizard .wizard-actions button.button:not(.secondary)")
    page.wait_for_url(f"**{path}")
    page.wait_for_selector("#wizard-title:focus, #wizard [aria-invalid='true']:focus")


def test_a_person_asks_for_a_peer_from_the_front_door_to_their_page(page, make_user, tmp_path,
                                                                   mail, run_jobs):
    make_user("coordinator")
    page.goto(page.base_url + "/")
    page.click("text=Ask for a peer")
    page.wait_for_url("**/request")
    page.click("button[value=yes]")
    page.wait_for_selector("text=Please reach out now")
    assert page.is_visible("a[href='tel:988']") and fits_the_screen(page)
    page.click("text=Continue with my request")
    page.wait_for_url("**/request/about")

    page.fill("#alias", "Sam <b>")
    page.check("#member_type-0")
    page.select_option("#career_band", "6_10")
    page.select_option("#region", "calgary")
    continue_to(page, "/request/about")  # no language yet: the error is shown and focused
    assert page.is_visible("#languages-error") and page.input_value("#alias") == "Sam <b>"
    page.check("#languages-0")
    continue_to(page, "/request/support")

    page.check("#concerns-0")
    page.fill("#note", "Typed, then back")
    page.click("button[value=back]")
    page.wait_for_url("**/request/about")
    continue_to(page, "/request/support")
    assert page.input_value("#note") == "Typed, then back"
    continue_to(page, "/request/preferences")
    page.go_back()  # the browser's own Back reloads the step with its entries
    page.wait_for_url("**/request/support")
    page.wait_for_selector("#note")
    assert page.input_value("#note") == "Typed, then back"
    page.go_forward()
    page.wait_for_url("**/request/preferences")
    page.wait_for_selector("#gender_pref-0")
    continue_to(page, "/request/availability")
    page.check("#cell-mon_evening")
    assert fits_the_screen(page)
    continue_to(page, "/request/contact")
    page.fill("#email", "sam@example.org")
    continue_to(page, "/request/conflicts")
    page.fill("#firms", "Northgate Legal LLP")
    continue_to(page, "/request/consent")
    assert "Sam &lt;b&gt;" in page.content() and fits_the_screen(page)

    page.check("#principles")
    page.check("#storage")
    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    page.screenshot(path=str(tmp_path / "consent.png"), full_page=True)
    page.click("text=Send my request")
    page.wait_for_url("**/request/sent")
    assert page.is_visible("text=Please check your email")
    run_jobs()
    page.goto(page.base_url + confirm_link(mail))
    page.click("text=Confirm my address")
    page.click("main a.button:has-text('Sign in')")
    page.fill("#email", "sam@example.org")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/my")
    assert page.is_visible("li.current:has-text('Finding a peer')")  # suggestions ran
    stored = page.evaluate(
        "JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])")
    assert "Sam" not in stored and "@" not in stored
    assert problems(page) == []


def test_the_steps_work_with_the_keyboard_alone(page):
    page.goto(page.base_url + "/request")
    page.focus("button[value=no]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/request/about")
    page.wait_for_selector("#wizard-title:focus")
    page.keyboard.press("Tab")
    page.keyboard.type("Sam")
    assert page.input_value("#alias") == "Sam"
    page.keyboard.press("Enter")  # Enter in a field continues (Continue comes first)
    page.wait_for_selector("#wizard [aria-invalid='true']:focus")
    assert page.url.endswith("/request/about")
    assert problems(page) == []


def test_without_javascript_a_failed_step_opens_on_its_error_summary(plain_page):
    page = plain_page
    page.goto(page.base_url + "/request")
    page.click("button[value=no]")
    page.wait_for_url("**/request/about")
    page.fill("#alias", "Sam")
    page.click("#wizard .wizard-actions button.button:not(.secondary)")
    page.wait_for_selector(".error-summary")
    assert page.evaluate("document.activeElement.className") == "error-summary"
    assert page.get_attribute(".error-summary", "role") == "alert"
    page.click(".error-summary a[href='#career_band']")
    assert page.evaluate("document.activeElement.id") == "career_band"
    assert page.input_value("#alias") == "Sam"


def title_when_loaded(page, path: str) -> str:
    """The title the page has when opened directly (what a reload or a bookmark shows)."""
    body = page.context.request.get(page.base_url + path).text()
    return re.search(r"<title>(.*?)</title>", body, re.S).group(1).strip()


def test_the_window_title_follows_each_step_as_htmx_swaps_it(page):
    page.goto(page.base_url + "/request")
    first = page.title()
    page.click("button[value=no]")
    page.wait_for_url("**/request/about")
    page.wait_for_selector("#wizard-title:focus")
    assert page.title() == title_when_loaded(page, "/request/about") != first
    page.fill("#alias", "Sam")
    page.check("#member_type-0")
    page.select_option("#career_band", "6_10")
    page.select_option("#region", "calgary")
    page.check("#languages-0")
    continue_to(page, "/request/support")
    assert page.title() == title_when_loaded(page, "/request/support")
    continue_to(page, "/request/support")  # refused (nothing chosen): still this step's title
    assert page.title() == title_when_loaded(page, "/request/support")
    page.click("button[value=back]")  # Back, swapped by htmx too
    page.wait_for_url("**/request/about")
    page.wait_for_selector("#wizard-title:focus")
    assert page.title() == title_when_loaded(page, "/request/about")
    assert page.evaluate("document.querySelectorAll('#wizard title, body title').length") == 0
    assert problems(page) == []
