"""The coordinator's plan view: run the global plan, watch it, approve its pairs."""

from flask import Blueprint

bp = Blueprint("planning", __name__, url_prefix="/coordinator/plan")

from portal.planning import views  # noqa: E402,F401
