"""Sign-in, sign-out, the second step (codes and passkeys) and the role-aware home redirect."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from portal.auth import mfa_views, passkey_views, views  # noqa: E402,F401
