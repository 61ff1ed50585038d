"""The volunteer's side: profile and boundaries, availability, offers, relationships."""

from flask import Blueprint

bp = Blueprint("volunteer", __name__, url_prefix="/volunteer")
# Invitation links arrive by email: their path names nothing about the program.
invitation_bp = Blueprint("invitation", __name__, url_prefix="/join")

from portal.volunteer import (  # noqa: E402,F401
    care_views,
    join_views,
    offer_views,
    relationship_views,
    views,
)
