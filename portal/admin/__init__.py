"""Admin-only pages: program settings, the program's lists, staff accounts and the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from portal.admin import list_views, staff_views, views  # noqa: E402,F401
