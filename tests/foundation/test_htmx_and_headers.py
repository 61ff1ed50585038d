"""CSRF on forms and htmx, page-or-fragment, security headers, and a self-hosted htmx."""

import json
import re

from portal.security.headers import CSP
from tests.conftest import csrf_token


def test_a_form_post_without_a_token_is_refused_in_plain_words(client):
    response = client.post("/sign-in", data={"email": "a@example.org", "password": "whatever"})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)


def test_an_htmx_post_without_the_header_token_is_refused(client, hx):
    response = client.post("/sign-out", headers=hx)
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#flash"


def test_an_htmx_post_with_the_header_token_is_accepted(client, hx):
    response = client.post("/sign-out", headers={**hx, "X-CSRFToken": csrf_token(client)})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/"


def test_https_posts_need_a_same_origin_referer(client):
    token = csrf_token(client)
    foreign = client.post("https://localhost/sign-out", data={"csrf_token": token},
                          headers={"Referer": "https://evil.example/"})
    same = client.post("https://localhost/sign-out", data={"csrf_token": token},
                       headers={"Referer": "https://localhost/"})
    assert foreign.status_code == 400
    assert same.status_code == 303


def test_a_list_is_a_fragment_for_htmx_and_a_full_page_otherwise(client, login_as, hx):
    login_as("participant")
    page = client.get("/notifications/").get_data(as_text=True)
    fragment = client.get("/notifications/", headers=hx).get_data(as_text=True)
    assert "<html" in page and 'id="notification-list"' in page
    assert "<html" not in fragment and fragment.lstrip().startswith('<section id="notification-list"')


def test_responses_vary_on_hx_request(client):
    assert "HX-Request" in client.get("/").headers["Vary"]


def test_every_page_carries_the_security_headers(client):
    for url in ("/", "/sign-in", "/no-such-page"):
        headers = client.get(url).headers
        assert headers["Content-Security-Policy"] == CSP
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "max-age=31536000" in headers["Strict-Transport-Security"]


def test_the_policy_forbids_inline_code_and_framing():
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in CSP


def test_htmx_is_served_from_our_own_static_files_with_its_license(client):
    page = client.get("/").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts and all(src.startswith("/static/") for src in scripts)
    with client.get("/static/vendor/htmx-2.0.11/htmx.min.js") as script:
        assert script.status_code == 200
    with client.get("/static/vendor/htmx-2.0.11/LICENSE") as license_text:
        assert "Zero-Clause BSD" in license_text.get_data(as_text=True)


def test_htmx_is_configured_for_a_strict_policy_and_no_history_snapshots(client):
    page = client.get("/").get_data(as_text=True)
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']+)'", page).group(1)
    settings = json.loads(meta)
    assert settings["includeIndicatorStyles"] is False
    assert settings["allowEval"] is False
    assert settings["historyCacheSize"] == 0
    assert settings["selfRequestsOnly"] is True
    # Settling copies listed attributes with setAttribute; a style attribute would break the CSP.
    assert "style" not in settings["attributesToSettle"]


def test_no_page_has_inline_script_or_style(client):
    page = client.get("/").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "<style" not in page and " style=" not in page


def test_no_page_loads_anything_from_another_host(client):
    page = client.get("/").get_data(as_text=True)
    assert not re.search(r'(src|href)="(https?:)?//', page.replace('id="quick-exit" href=', ""))
