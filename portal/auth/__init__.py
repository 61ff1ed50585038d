"""Sign-in, sign-out, the second step (codes and passkeys), recovery, my account, and the
role-aware home redirect."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from portal.auth import (  # noqa: E402,F401
    account_views,
    mfa_views,
    passkey_views,
    pulse_views,
    recovery_views,
    views,
)
