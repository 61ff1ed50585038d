"""Where sign-in sends a person next: only a path on this site, whatever ``next`` holds.

The hostile-input walk sends one off-site ``next``; these are the variants browsers read
differently from servers. Two fail today (see the xfail reasons): ``safe_next`` in
portal/auth/loader.py is being reworked with the sign-in redirect handling, so they are
reported there rather than fixed here; strict, so the fix shows up as an XPASS to remove.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD, csrf_token

CONTROL = ("a control character in next: werkzeug drops a tab from Location, so '/\\t/host' "
           "becomes the protocol-relative '//host' (an open redirect), and a newline makes "
           "the Location header raise (a 500); safe_next should refuse any control character")


@pytest.mark.parametrize("target", [
    "//evil.example/",
    "/\\evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "/%2F%2Fevil.example/",
    "/%09/evil.example/",
    pytest.param("/\t/evil.example/", marks=pytest.mark.xfail(strict=True, reason=CONTROL)),
    pytest.param("/\n/evil.example/", marks=pytest.mark.xfail(strict=True, reason=CONTROL)),
    pytest.param("/\r\nSet-Cookie: x=1", marks=pytest.mark.xfail(strict=True, reason=CONTROL)),
])
def test_sign_in_never_sends_a_person_off_the_site(client, make_user, target):
    user = make_user("participant")
    response = client.post("/sign-in", query_string={"next": target}, data={
        "email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.scheme in ("", "http") and location.netloc in ("", "localhost")
    assert location.path.startswith("/") and not location.path.startswith("//")
