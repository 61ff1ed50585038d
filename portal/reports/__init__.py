"""Aggregate program reports for coordinators: tables, server-drawn charts, CSV."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/coordinator/reports")

from portal.reports import views  # noqa: E402,F401
