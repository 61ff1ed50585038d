"""Where sign-in sends a person next: only a path on this site, whatever ``next`` holds.

The hostile-input walk sends one off-site ``next``; these are the variants browsers read
differently from servers (a tab or a newline a browser drops, a CR/LF that would split the
header): ``safe_next`` in portal/auth/loader.py refuses each.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

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
