"""A visitor without a session reads the public pages without leaving a row behind."""

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import ServerSession
from tests.conftest import csrf_token


def session_rows(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(ServerSession)).scalar()


@pytest.mark.parametrize("path", ["/", "/privacy"])
def test_public_pages_create_no_session_for_a_visitor_without_one(app, client, path):
    for _ in range(3):
        response = client.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
    assert session_rows(app) == 0


def test_a_form_still_gets_its_session_and_its_token_checks(app, client):
    token = csrf_token(client)  # a page with a form: the token needs a session to check against
    assert token and session_rows(app) == 1
    assert client.get("/").status_code == 200
    assert session_rows(app) == 1
