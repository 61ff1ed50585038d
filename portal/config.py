"""Configuration: defaults, overridden by the environment, overridden by a test mapping.

Outside development the portal refuses to start with a missing or default secret or
without data-encryption keys: a confidential portal must fail closed, never open.

``make run`` writes the settings it chose (development, its Redis, its public URL) to
``instance/dev-settings.json``; with ``PORTAL_ENV`` unset or ``development`` they fill in what
the environment leaves unset, so ``flask --app wsgi …`` from a second terminal just works.
Production sets ``PORTAL_ENV=production`` and never reads that file.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from portal.security import files

DEFAULT_SECRET = "dev-insecure-secret-change-me"  # noqa: S105  # nosec B105  # the known development default; config refuses it outside development
ENVIRONMENTS = ("development", "testing", "production")
DEV_SETTINGS = "dev-settings.json"


class ConfigError(RuntimeError):
    """The environment does not allow the portal to start safely."""


def _env_bool(env: dict, name: str, default: bool) -> bool:
    value = env.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _env_int(env: dict, name: str, default: int) -> int:
    value = env.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from exc


def _env_optional_int(env: dict, name: str) -> int | None:
    return None if env.get(name) in (None, "") else _env_int(env, name, 0)


def _env_ints(env: dict, name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    value = env.get(name)
    if value in (None, ""):
        return default
    try:
        return tuple(int(part) for part in value.split(","))
    except ValueError as exc:
        raise ConfigError(f"{name} must be whole numbers separated by commas, got {value!r}") from exc


def development_settings(instance_path: str) -> dict[str, str]:
    """What ``make run`` wrote to instance/ for commands from another terminal ({} if nothing)."""
    try:
        saved = json.loads((Path(instance_path) / DEV_SETTINGS).read_text())
    except FileNotFoundError:
        return {}
    return {str(name): str(value) for name, value in saved.items()}


def write_development_settings(instance_path: str, settings: dict[str, str]) -> Path:
    """Keep ``make run``'s settings in instance/ (private: the Redis socket is in it too)."""
    path = Path(instance_path) / DEV_SETTINGS
    files.private_dir(path.parent)
    files.write_private(path, json.dumps(settings, indent=2).encode())
    return path


def environment(instance_path: str) -> dict[str, str]:
    """The process environment, over ``make run``'s saved settings unless PORTAL_ENV says otherwise."""
    if os.environ.get("PORTAL_ENV", "development") != "development":
        return dict(os.environ)
    return {**development_settings(instance_path), **os.environ}


def defaults(instance_path: str) -> dict:
    """Every setting the portal reads, with its value from the environment or its default."""
    source = environment(instance_path)
    env = source.get("PORTAL_ENV", "production")
    return {
        "ENV_NAME": env,
        "SECRET_KEY": source.get("SECRET_KEY", ""),
        # Previous SECRET_KEYs, comma-separated: links and tokens they signed still verify
        # (Flask's own name for it); new ones are signed with SECRET_KEY only.
        "SECRET_KEY_FALLBACKS": [part.strip() for part in source.get(
            "SECRET_KEY_FALLBACKS", "").split(",") if part.strip()],
        "DATABASE_URL": source.get(
            "DATABASE_URL", f"sqlite:///{Path(instance_path) / 'portal.sqlite3'}"
        ),
        "REDIS_URL": source.get("REDIS_URL", ""),
        "DATA_KEYS": source.get("DATA_KEYS", ""),
        "BLIND_INDEX_KEY": source.get("BLIND_INDEX_KEY", ""),
        # Keys of the audit chain's HMAC, like DATA_KEYS: the first signs, the others verify.
        "AUDIT_KEY": source.get("AUDIT_KEY", ""),
        # The id of the last event written before AUDIT_KEY (plain SHA-256); once pinned, an
        # unkeyed event after it is a break, so the whole chain cannot be rebuilt unkeyed.
        "AUDIT_LEGACY_UNTIL": _env_optional_int(source, "AUDIT_LEGACY_UNTIL"),
        "AUDIT_VERIFY_SECONDS": _env_int(source, "AUDIT_VERIFY_SECONDS", 86400),
        "MAIL_BACKEND": source.get("MAIL_BACKEND", "smtp" if env == "production" else "file"),
        "MAIL_HOST": source.get("MAIL_HOST", "localhost"),
        "MAIL_PORT": _env_int(source, "MAIL_PORT", 25),
        "MAIL_USERNAME": source.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": source.get("MAIL_PASSWORD", ""),
        "MAIL_STARTTLS": _env_bool(source, "MAIL_STARTTLS", env == "production"),
        "MAIL_TIMEOUT": _env_int(source, "MAIL_TIMEOUT", 20),
        "MAIL_FROM": source.get("MAIL_FROM", "Notifications <no-reply@localhost>"),
        "MAIL_DIR": source.get("MAIL_DIR", str(Path(instance_path) / "mail")),
        "PUBLIC_URL": source.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        # Passkeys: the relying party's id and the one origin a ceremony may come from;
        # empty means derived from PUBLIC_URL (see passkey_party).
        "WEBAUTHN_RP_ID": source.get("WEBAUTHN_RP_ID", ""),
        "WEBAUTHN_ORIGIN": source.get("WEBAUTHN_ORIGIN", ""),
        "QUICK_EXIT_URL": source.get("QUICK_EXIT_URL", "https://www.google.com/search?q=weather"),
        "SESSION_IDLE_MINUTES": _env_int(source, "SESSION_IDLE_MINUTES", 60),
        "STAFF_SESSION_IDLE_MINUTES": _env_int(source, "STAFF_SESSION_IDLE_MINUTES", 15),
        "SESSION_ABSOLUTE_HOURS": _env_int(source, "SESSION_ABSOLUTE_HOURS", 8),
        # How long a forgotten-password link works (minutes).
        "RESET_LINK_MINUTES": _env_int(source, "RESET_LINK_MINUTES", 30),
        "RATELIMIT_ENABLED": _env_bool(source, "RATELIMIT_ENABLED", True),
        "PROXY_HOPS": _env_int(source, "PROXY_HOPS", 0),
        # Reliability: how often the clock relays and reconciles the outbox, and when /healthz
        # calls a waiting job or an unsent urgent email late (seconds).
        "RELAY_SECONDS": _env_int(source, "RELAY_SECONDS", 5),
        "RECONCILE_SECONDS": _env_int(source, "RECONCILE_SECONDS", 15),
        "OUTBOX_LATE_SECONDS": _env_int(source, "OUTBOX_LATE_SECONDS", 300),
        "URGENT_LATE_SECONDS": _env_int(source, "URGENT_LATE_SECONDS", 120),
        # RQ's waits before each retry of a failed or interrupted job, and the worker's
        # heartbeat lease: a worker silent for WORKER_TTL + 15 s counts as dead.
        "JOB_RETRY_INTERVALS": _env_ints(source, "JOB_RETRY_INTERVALS", (10, 60, 300)),
        # Urgent mail comes back sooner: a person in danger should not wait on a retry.
        "URGENT_RETRY_INTERVALS": _env_ints(source, "URGENT_RETRY_INTERVALS", (2, 10, 60)),
        "WORKER_TTL": _env_int(source, "WORKER_TTL", 30),
        "BABEL_DEFAULT_LOCALE": "en",
    }


def _random_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def development_keys(instance_path: str) -> dict:
    """Random keys kept in instance/ so a developer's data survives restarts."""
    path = Path(instance_path) / "dev-keys.json"
    fresh = {
        "SECRET_KEY": lambda: secrets.token_urlsafe(48),
        "DATA_KEYS": lambda: "dev1:" + _random_key(),
        "BLIND_INDEX_KEY": _random_key,
        "AUDIT_KEY": lambda: "dev1:" + _random_key(),
    }
    keys = json.loads(path.read_text()) if path.exists() else {}
    missing = {name: make() for name, make in fresh.items() if name not in keys}
    if missing:  # a first start, or a key added since this instance's file was written
        files.private_dir(path.parent)
        files.write_private(path, json.dumps({**keys, **missing}).encode())
    return {**keys, **missing}


def passkey_party(public_url: str, rp_id: str = "", origin: str = "") -> tuple[str, str]:
    """The passkey RP ID and origin: as given, else the host and origin of ``public_url``.

    Browsers refuse an IP address as an RP ID, so a loopback address (``make run``'s
    http://127.0.0.1:5000) becomes ``localhost``, which browsers also count as secure.
    The RP ID must be the origin's host or a parent domain of it.
    """
    parts = urlsplit(public_url)
    host = parts.hostname or ""
    try:
        if ipaddress.ip_address(host).is_loopback:
            host = "localhost"
    except ValueError:
        pass
    port = f":{parts.port}" if parts.port else ""
    origin = (origin or f"{parts.scheme}://{host}{port}").rstrip("/")
    rp_id = (rp_id or host).lower()
    origin_host = (urlsplit(origin).hostname or "").lower()
    if not rp_id or not (origin_host == rp_id or origin_host.endswith("." + rp_id)):
        raise ConfigError(f"WEBAUTHN_RP_ID {rp_id!r} must be the host of WEBAUTHN_ORIGIN "
                          f"{origin!r} or a parent domain of it")
    return rp_id, origin


def signing_keys(config) -> list[str]:
    """Keys for an itsdangerous serializer: every fallback verifies, the last (SECRET_KEY) signs."""
    return [*config.get("SECRET_KEY_FALLBACKS", ()), config["SECRET_KEY"]]


def _limiter_storage(redis_url: str) -> str:
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://")
    return redis_url or "memory://"


def finalise(config: dict, instance_path: str) -> dict:
    """Fill development keys, derive cookie settings, and refuse unsafe production settings."""
    env = config["ENV_NAME"]
    if env not in ENVIRONMENTS:
        raise ConfigError(f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")
    if env == "development":
        for name, value in development_keys(instance_path).items():
            if not config.get(name):
                config[name] = value
    for name in ("SECRET_KEY", "DATA_KEYS", "BLIND_INDEX_KEY", "AUDIT_KEY"):
        if not config.get(name):
            raise ConfigError(f"{name} is not set: the portal will not start without it")
    if config["SECRET_KEY"] == DEFAULT_SECRET or len(config["SECRET_KEY"]) < 32:
        raise ConfigError("SECRET_KEY is a default or shorter than 32 characters: set a random one")
    config.setdefault("SECRET_KEY_FALLBACKS", [])
    if any(key == DEFAULT_SECRET or len(key) < 32 for key in config["SECRET_KEY_FALLBACKS"]):
        raise ConfigError("SECRET_KEY_FALLBACKS holds a default or a key shorter than 32 characters")
    secure = env == "production"
    config["WEBAUTHN_RP_ID"], config["WEBAUTHN_ORIGIN"] = passkey_party(
        config["PUBLIC_URL"], config.get("WEBAUTHN_RP_ID", ""), config.get("WEBAUTHN_ORIGIN", ""))
    config.setdefault("SQLALCHEMY_ECHO", False)
    derived = dict(
        SESSION_COOKIE_NAME="__Host-session" if secure else "session",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PREFERRED_URL_SCHEME="https" if secure else "http",
        # The server-side session's idle timeout protects the form; the token lives as long.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=True,
        # Flask-WTF's translation of WTForms' own messages reads WTForms' catalogue from disk
        # again in every request that builds a form: portal.i18n.wtforms_messages keeps each
        # language's once per process instead.
        WTF_I18N_ENABLED=False,
        MAX_CONTENT_LENGTH=256 * 1024,
        RATELIMIT_STORAGE_URI=_limiter_storage(config.get("REDIS_URL", "")),
        # With Redis down, keep limiting in memory rather than failing every limited route.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_HEADERS_ENABLED=False,
    )
    for name, value in derived.items():
        config.setdefault(name, value)
    return config
