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
    assert "Too many attempts" in page


def test_with_redis_down_limits_fall_back_to_memory_instead_of_failing(limited_config, redis_server,
                                                                       tmp_path, monkeypatch):
    from portal import create_app

    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "fallback"))
    redis_server_url = redis_server.url
    redis_server.stop()
    client = create_app({**limited_config, "REDIS_URL": redis_server_url}).test_client()
    statuses = attempts(client, 11)
    assert 500 not in statuses and statuses[-1] == 429
