"""Rate limits on sign-in, and their behaviour when Redis is down."""

import pytest

from tests.conftest import csrf_token


@pytest.fixture
def limited_config(config):
    return {**config, "RATELIMIT_ENABLED": True}


@pytest.fixture
def limited_client(limited_config, tmp_path, monkeypatch, redis):
    from portal import create_app

    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "limited"))
    return create_app(limited_config).test_client()


def attempts(client, n):
    token = csrf_token(client)
    return [client.post("/sign-in", data={"email": "x@example.org", "password": "wrong password",
                                          "csrf_token": token}).status_code for _ in range(n)]


def test_sign_in_is_limited_per_address(limited_client):
    statuses = attempts(limited_client, 11)
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429


def test_the_limit_answers_in_plain_words(limited_client):
    attempts(limited_client, 10)
    token = csrf_token(limited_client)
    page = limited_client.post("/sign-in", data={"email": "x@example.org", "password": "p",
                                                 "csrf_token": token}).get_data(as_text=True)
    assert "Please wait 1 minute and try again" in page


def test_an_htmx_request_over_the_limit_hears_it_beside_its_own_buttons(limited_client):
    token = csrf_token(limited_client)
    headers = {"HX-Request": "true", "HX-Target": "wizard", "X-CSRFToken": token}
    for _ in range(5):
        limited_client.post("/request/submit", data={"submission_token": "x"}, headers=headers)
    refused = limited_client.post("/request/submit", data={"submission_token": "x"},
                                  headers=headers)
    assert refused.status_code == 429
    assert refused.headers["HX-Retarget"] == "#wizard-status"
    assert refused.get_data(as_text=True).count("Please wait 1 minute") == 1


def test_an_hourly_limit_says_an_hour_not_a_minute(limited_client):
    token = csrf_token(limited_client)
    data = {"email": "someone@example.org", "csrf_token": token}
    statuses = [limited_client.post("/sign-in/forgot", data=data).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    page = limited_client.post("/sign-in/forgot", data=data).get_data(as_text=True)
    assert "Please wait 1 hour and try again" in page


def test_each_wizard_step_has_one_place_for_its_message(client):
    client.post("/request", data={"danger": "no", "csrf_token": csrf_token(client)})
    page = client.get("/request/about").get_data(as_text=True)
    assert page.count('id="wizard-status"') == 1


def test_with_redis_down_limits_fall_back_to_memory_instead_of_failing(limited_config, redis_server,
                                                                       tmp_path, monkeypatch):
    from portal import create_app

    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "fallback"))
    redis_server_url = redis_server.url
    redis_server.stop()
    client = create_app({**limited_config, "REDIS_URL": redis_server_url}).test_client()
    statuses = attempts(client, 11)
    assert 500 not in statuses and statuses[-1] == 429
