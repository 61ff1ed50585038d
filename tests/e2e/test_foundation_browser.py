"""The foundation in a real browser: sign in, htmx under the strict policy, sign out."""

import pyotp
import pytest

from tests.conftest import PASSWORD, STAFF_SECRETS

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_sign_in_and_out_in_a_browser_without_policy_violations(page, make_user, tmp_path):
    user = make_user("coordinator")
    page.goto(page.base_url + "/sign-in")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/sign-in/verify")
    page.fill("#code", pyotp.TOTP(STAFF_SECRETS[user.email]).now())
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/sign-in" not in url)
    page.wait_for_selector(".account-nav")
    page.screenshot(path=str(tmp_path / "home.png"))
    page.click("text=Sign out")
    page.wait_for_url(page.base_url + "/")
    stored = page.evaluate("JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])")
    # htmx remembers only the current path for its history handling; never a page snapshot.
    assert "htmx-history-cache" not in stored and "<" not in stored and "@" not in stored
    assert page.console_problems == []


def test_quick_exit_leaves_no_portal_page_in_history(page):
    page.route("https://www.google.com/**", lambda route: route.fulfill(body="neutral", status=200))
    page.goto(page.base_url + "/")
    page.goto(page.base_url + "/sign-in")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url("https://www.google.com/**")
    page.go_back()
    # Back skips the replaced sign-in page and lands on the page before it.
    assert page.url == page.base_url + "/"


def sign_in_participant(page, make_intake, app):
    from portal.db import db
    from portal.models import User

    intake = make_intake(alias="Morgan")
    with app.app_context():
        email = db.session.get(User, intake.participant_id).email
    page.goto(page.base_url + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/my")
    return email


@pytest.mark.parametrize("how", ["button", "escape"])
def test_after_the_quick_exit_back_shows_nothing_private_and_the_session_is_over(
        page, make_intake, app, how):
    page.route("https://www.google.com/**", lambda route: route.fulfill(body="neutral", status=200))
    email = sign_in_participant(page, make_intake, app)
    page.goto(page.base_url + "/notifications/")
    page.goto(page.base_url + "/my")
    assert "Where things stand" in page.content()
    if how == "button":
        page.click("#quick-exit")
    else:
        for _ in range(3):
            page.keyboard.press("Escape")
    page.wait_for_url("https://www.google.com/**")
    page.wait_for_timeout(300)  # the beacon reaches the server
    page.go_back()
    page.wait_for_load_state()
    content = page.content()
    assert "Where things stand" not in content and "Hello" not in content
    assert "Sign out" not in content and email not in content
    page.goto(page.base_url + "/my")  # "Home" opens nothing private any more
    assert "/sign-in" in page.url and "Where things stand" not in page.content()
    assert page.input_value("#email") == ""


def test_without_javascript_the_exit_link_signs_out_on_its_way(plain_page, make_intake, app):
    page = plain_page
    page.route("https://www.google.com/**", lambda route: route.fulfill(body="neutral", status=200))
    sign_in_participant(page, make_intake, app)
    page.click("#quick-exit")
    page.wait_for_url("https://www.google.com/**")
    page.goto(page.base_url + "/my")
    assert "/sign-in" in page.url


def test_the_staff_menu_lines_up_with_the_page_and_fits_one_line_at_1280(page, make_user):
    user = make_user("admin")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(page.base_url + "/sign-in")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/sign-in/verify")
    page.fill("#code", pyotp.TOTP(STAFF_SECRETS[user.email]).now())
    page.click("form[action$='/sign-in/verify'] button[type=submit]")
    page.wait_for_url("**/coordinator/")
    page.goto(page.base_url + "/admin/settings")
    links = page.eval_on_selector_all(".staff-nav a", "els => els.map(e => e.getBoundingClientRect().top)")
    first = page.eval_on_selector(".staff-nav a", "e => e.getBoundingClientRect().left")
    main = page.eval_on_selector("main h1", "e => e.getBoundingClientRect().left")
    rule = page.eval_on_selector(".staff-bar", "e => e.getBoundingClientRect().width")
    assert abs(first - main) <= 2
    assert max(links) - min(links) <= 2  # one line: "Settings" does not wrap
    assert rule >= 1270
