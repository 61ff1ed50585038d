"""Configuration: defaults, overridden by the environment, overridden by a test mapping.

Outside development the portal refuses to start with a missing or default secret or
without data-encryption keys: a confidential portal must fail closed, never open.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

DEFAULT_SECRET = "dev-insecure-secret-change-me"  # noqa: S105  # nosec B105  # the known development default; config refuses it outside development
ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """The environment does not allow the portal to start safely."""


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from exc


def _env_ints(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return tuple(int(part) for part in value.split(","))
    except ValueError as exc:
        raise ConfigError(f"{name} must be whole numbers separated by commas, got {value!r}") from exc


def defaults(instance_path: str) -> dict:
    """Every setting the portal reads, with its value from the environment or its default."""
    env = os.environ.get("PORTAL_ENV", "production")
    return {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", ""),
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", f"sqlite:///{Path(instance_path) / 'portal.sqlite3'}"
        ),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "DATA_KEYS": os.environ.get("DATA_KEYS", ""),
        "BLIND_INDEX_KEY": os.environ.get("BLIND_INDEX_KEY", ""),
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "smtp" if env == "production" else "file"),
        "MAIL_HOST": os.environ.get("MAIL_HOST", "localhost"),
        "MAIL_PORT": _env_int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_STARTTLS": _env_bool("MAIL_STARTTLS", env == "production"),
        "MAIL_TIMEOUT": _env_int("MAIL_TIMEOUT", 20),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Notifications <no-reply@localhost>"),
        "MAIL_DIR": os.environ.get("MAIL_DIR", str(Path(instance_path) / "mail")),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        "QUICK_EXIT_URL": os.environ.get("QUICK_EXIT_URL", "https://www.google.com/search?q=weather"),
        "SESSION_IDLE_MINUTES": _env_int("SESSION_IDLE_MINUTES", 60),
        "STAFF_SESSION_IDLE_MINUTES": _env_int("STAFF_SESSION_IDLE_MINUTES", 15),
        "SESSION_ABSOLUTE_HOURS": _env_int("SESSION_ABSOLUTE_HOURS", 8),
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "PROXY_HOPS": _env_int("PROXY_HOPS", 0),
        # Reliability: how often the clock relays and reconciles the outbox, and when /healthz
        # calls a waiting job or an unsent urgent email late (seconds).
        "RELAY_SECONDS": _env_int("RELAY_SECONDS", 5),
        "RECONCILE_SECONDS": _env_int("RECONCILE_SECONDS", 15),
        "OUTBOX_LATE_SECONDS": _env_int("OUTBOX_LATE_SECONDS", 300),
        "URGENT_LATE_SECONDS": _env_int("URGENT_LATE_SECONDS", 120),
        # RQ's waits before each retry of a failed or interrupted job, and the worker's
        # heartbeat lease: a worker silent for WORKER_TTL + 15 s counts as dead.
        "JOB_RETRY_INTERVALS": _env_ints("JOB_RETRY_INTERVALS", (10, 60, 300)),
        # Urgent mail comes back sooner: a person in danger should not wait on a retry.
        "URGENT_RETRY_INTERVALS": _env_ints("URGENT_RETRY_INTERVALS", (2, 10, 60)),
        "WORKER_TTL": _env_int("WORKER_TTL", 30),
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": ("en", "fr"),
    }


def development_keys(instance_path: str) -> dict:
    """Random keys kept in instance/ so a developer's data survives restarts."""
    path = Path(instance_path) / "dev-keys.json"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = {
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATA_KEYS": "dev1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            "BLIND_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        }
        path.write_text(json.dumps(keys))
        path.chmod(0o600)
    return json.loads(path.read_text())


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
    for name in ("SECRET_KEY", "DATA_KEYS", "BLIND_INDEX_KEY"):
        if not config.get(name):
            raise ConfigError(f"{name} is not set: the portal will not start without it")
    if config["SECRET_KEY"] == DEFAULT_SECRET or len(config["SECRET_KEY"]) < 32:
        raise ConfigError("SECRET_KEY is a default or shorter than 32 characters: set a random one")
    secure = env == "production"
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
        MAX_CONTENT_LENGTH=256 * 1024,
        RATELIMIT_STORAGE_URI=_limiter_storage(config.get("REDIS_URL", "")),
        # With Redis down, keep limiting in memory rather than failing every limited route.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_HEADERS_ENABLED=False,
    )
    for name, value in derived.items():
        config.setdefault(name, value)
    return config
