"""The coordinator's editor for the referral directory (participants and volunteers read it)."""

from flask import Blueprint

bp = Blueprint("resources", __name__, url_prefix="/coordinator/resources")

from portal.resources import views  # noqa: E402,F401
