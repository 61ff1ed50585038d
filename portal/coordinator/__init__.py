"""The coordinator's workspace. Each area is its own module; this one registers them."""

from flask import Blueprint

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")

from portal.coordinator import entry, intakes, today, volunteers  # noqa: E402,F401
