"""Admin-only pages: program settings, staff accounts and the audit log viewer."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from portal.admin import staff_views, views  # noqa: E402,F401
