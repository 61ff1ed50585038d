"""Health of the database, Redis, the workers and the work waiting, with no personal data.

200 when all is well; 503 when the database or Redis does not answer, when a due job has
waited longer than OUTBOX_LATE_SECONDS, or an urgent email is unsent after
URGENT_LATE_SECONDS. ``problems`` names what is wrong in a word each.

``audit_chain`` is the clock's last verification of the audit log (intact, broken, stale or
unchecked), read from its stored result: the chain is never walked here. A broken chain is
not a 503: serving goes on, and the admins have been told.
"""

from flask import Blueprint, current_app, jsonify

from portal.db import db
from portal.security.permissions import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    """The portal's state in figures; never a name or a count of people."""
    report = {"db": "ok", "redis": "ok", "workers": 0, "outbox_pending": None,
              "outbox_oldest_waiting_s": None, "urgent_oldest_unsent_s": None,
              "audit_chain": None}
    report.update(_database_figures() or {"db": "error"})
    report.update(_redis_figures() or {"redis": "error"})
    report["problems"] = _problems(report)
    return jsonify(report), 503 if report["problems"] else 200


def _database_figures() -> dict | None:
    from portal.services import audit_check, notifications, outbox

    # Two missed daily checks in a row make the last result stale.
    max_age = 2 * current_app.config["AUDIT_VERIFY_SECONDS"]
    try:
        return {"outbox_pending": outbox.pending_count(db.session),
                "outbox_oldest_waiting_s": outbox.oldest_waiting_seconds(db.session),
                "urgent_oldest_unsent_s": notifications.oldest_unsent_urgent_seconds(db.session),
                "audit_chain": audit_check.chain_state(db.session, max_age_seconds=max_age)}
    except Exception:  # any database failure means "not healthy", whatever its kind
        db.session.rollback()
        return None


def _redis_figures() -> dict | None:
    from portal.services.outbox import dispatch

    try:
        return {"workers": dispatch.live_worker_count()}
    except Exception:  # redis.exceptions.RedisError and socket errors alike
        return None


def _problems(report: dict) -> list[str]:
    config = current_app.config
    problems = [name for name in ("db", "redis") if report[name] != "ok"]
    if (report["outbox_oldest_waiting_s"] or 0) > config["OUTBOX_LATE_SECONDS"]:
        problems.append("jobs_late")
    if (report["urgent_oldest_unsent_s"] or 0) > config["URGENT_LATE_SECONDS"]:
        problems.append("urgent_mail_late")
    return problems
