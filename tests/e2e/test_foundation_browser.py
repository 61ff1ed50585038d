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
    page.click("button[type=submit]")
    page.wait_for_url("**/sign-in/verify")
    page.fill("#code", pyotp.TOTP(STAFF_SECRETS[user.email]).now())
    page.click("button[type=submit]")
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
