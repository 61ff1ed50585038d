"""Where sign-in sends a person next: only a path on this site, whatever ``next`` holds.

The hostile-input walk sends one off-site ``next``; these are the variants browsers read
differently from servers (a tab or a newline a browser drops, a CR/LF that would split the
header): ``safe_next`` in portal/auth/loader.py refuses each, for sign-in and for the language
switch on every page (the only two ``next`` values), and whatever it lets through a browser
reads as a path on this site.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import PASSWORD, csrf_token


@pytest.mark.parametrize("target", [
    "//evil.example/",
    "/\\evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "/%2F%2Fevil.example/",
    "/%09/evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\r\nSet-Cookie: x=1",
])
def test_sign_in_never_sends_a_person_off_the_site(client, make_user, target):
    user = make_user("participant")
    response = client.post("/sign-in", query_string={"next": target}, data={
        "email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.scheme in ("", "http") and location.netloc in ("", "localhost")
    assert location.path.startswith("/") and not location.path.startswith("//")


OFF_SITE = ["//evil.example/", "/\\evil.example/", "https://evil.example/", "/\t/evil.example/",
            "\t//evil.example/", " //evil.example/", "\\\\evil.example", "https:\\\\evil.example",
            "http:evil.example", "\u3000//evil.example", "/\r\nSet-Cookie: x=1"]


def as_a_browser_reads_it(location: str) -> tuple[str, str]:
    """The host and path a browser goes to from ``location`` on this site (WHATWG: leading and
    trailing spaces and controls dropped, tabs and newlines removed, "\\" read as "/")."""
    from urllib.parse import urljoin

    cleaned = location.strip("".join(map(chr, range(33))))
    cleaned = cleaned.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    parts = urlsplit(urljoin("https://portal.test/somewhere/page", cleaned))
    return parts.netloc, parts.path


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_never_sends_a_person_off_the_site(client, target):
    response = client.post("/language", data={"next": target, "lang": "fr",
                                              "csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert as_a_browser_reads_it(response.headers["Location"])[0] in ("portal.test", "localhost")


@given(st.text(alphabet=st.sampled_from("/\\\t\n\r :.@%?#é\u3000\x00evil"), max_size=12))
def test_whatever_safe_next_lets_through_a_browser_reads_as_a_path_here(target):
    from portal.auth.loader import safe_next

    kept = safe_next(target)
    if kept is not None:
        assert as_a_browser_reads_it(kept)[0] == "portal.test", (target, kept)
