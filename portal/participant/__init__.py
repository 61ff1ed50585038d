"""The participant's side: the self-referral steps (/request) and their own page (/my)."""

from flask import Blueprint

bp = Blueprint("participant", __name__)

from portal.participant import views, wizard  # noqa: E402,F401
