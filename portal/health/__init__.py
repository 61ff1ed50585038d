"""Liveness of the database, Redis and the workers, with no personal data."""

from flask import Blueprint, jsonify

from portal.db import db
from portal.security.permissions import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    """200 when the database and Redis answer, 503 otherwise."""
    from workers import dispatch

    report = {"db": "ok", "redis": "ok", "workers": 0, "outbox_pending": None}
    try:
        from portal.services import outbox

        report["outbox_pending"] = outbox.pending_count(db.session)
    except Exception:  # any database failure means "not healthy", whatever its kind
        db.session.rollback()
        report["db"] = "error"
    try:
        report["workers"] = dispatch.live_worker_count()
    except Exception:  # redis.exceptions.RedisError and socket errors alike
        report["redis"] = "error"
    healthy = report["db"] == "ok" and report["redis"] == "ok"
    return jsonify(report), 200 if healthy else 503
