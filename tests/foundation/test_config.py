"""The app factory and its refusal to start unsafely."""

import pytest

from portal import create_app
from portal.config import DEFAULT_SECRET, ConfigError


def production(config, **overrides):
    return {**config, "ENV_NAME": "production", **overrides}


def test_app_starts_from_a_plain_mapping(app):
    assert app.config["ENV_NAME"] == "testing"


@pytest.mark.parametrize("variable", ["SECRET_KEY", "DATA_KEYS", "BLIND_INDEX_KEY", "AUDIT_KEY"])
def test_production_refuses_to_start_without_a_secret_and_names_it(config, variable):
    with pytest.raises(ConfigError, match=variable):
        create_app(production(config, **{variable: ""}))


def test_production_refuses_the_default_secret(config):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(production(config, SECRET_KEY=DEFAULT_SECRET))


def test_a_short_data_key_is_refused(config):
    with pytest.raises(Exception, match="32 random bytes"):
        create_app(production(config, DATA_KEYS="k1:c2hvcnQ="))


def test_development_creates_and_keeps_its_own_keys(config, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "dev"))
    dev = {**config, "ENV_NAME": "development", "SECRET_KEY": "", "DATA_KEYS": "", "BLIND_INDEX_KEY": "",
           "AUDIT_KEY": ""}
    first = create_app(dict(dev)).config["SECRET_KEY"]
    second = create_app(dict(dev)).config["SECRET_KEY"]
    assert first == second and len(first) >= 32


def test_development_adds_the_audit_key_to_an_older_key_file(config, tmp_path, monkeypatch):
    import json

    folder = tmp_path / "dev"
    monkeypatch.setenv("PORTAL_INSTANCE", str(folder))
    dev = {**config, "ENV_NAME": "development", "SECRET_KEY": "", "DATA_KEYS": "", "BLIND_INDEX_KEY": "",
           "AUDIT_KEY": ""}
    first = create_app(dict(dev)).config
    older = {name: first[name] for name in ("SECRET_KEY", "DATA_KEYS", "BLIND_INDEX_KEY")}
    (folder / "dev-keys.json").write_text(json.dumps(older))  # written before AUDIT_KEY existed
    again = create_app(dict(dev)).config
    assert {name: again[name] for name in older} == older
    assert again["AUDIT_KEY"].startswith("dev1:")
    assert create_app(dict(dev)).config["AUDIT_KEY"] == again["AUDIT_KEY"]


def test_production_cookies_are_secure_host_cookies(config):
    app = create_app(production(config))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_an_unknown_environment_name_is_refused(config):
    with pytest.raises(ConfigError, match="PORTAL_ENV"):
        create_app({**config, "ENV_NAME": "staging-ish"})


def test_make_runs_saved_settings_fill_in_a_second_terminal(tmp_path, monkeypatch):
    from portal.config import defaults, write_development_settings

    instance = str(tmp_path / "instance")
    write_development_settings(instance, {"PORTAL_ENV": "development", "PUBLIC_URL":
                                          "http://127.0.0.1:8000", "REDIS_URL": "unix:///x.sock"})
    for name in ("PORTAL_ENV", "PUBLIC_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    seen = defaults(instance)
    assert (seen["ENV_NAME"], seen["PUBLIC_URL"], seen["REDIS_URL"]) == (
        "development", "http://127.0.0.1:8000", "unix:///x.sock")
    monkeypatch.setenv("REDIS_URL", "redis://elsewhere:6379/0")  # the shell's own setting wins
    assert defaults(instance)["REDIS_URL"] == "redis://elsewhere:6379/0"
    monkeypatch.setenv("PORTAL_ENV", "production")  # production never reads the file
    seen = defaults(instance)
    assert (seen["ENV_NAME"], seen["PUBLIC_URL"]) == ("production", "http://127.0.0.1:5000")


def test_without_saved_settings_an_unset_environment_is_production(tmp_path, monkeypatch):
    from portal.config import defaults

    monkeypatch.delenv("PORTAL_ENV", raising=False)
    assert defaults(str(tmp_path / "nothing"))["ENV_NAME"] == "production"
