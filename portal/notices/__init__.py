"""In-app notifications: the list every role sees, with unread counts."""

from flask import Blueprint

bp = Blueprint("notices", __name__, url_prefix="/notifications")

from portal.notices import views  # noqa: E402,F401
