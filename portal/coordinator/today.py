"""Today: the coordinator's home — the queue, offers out, follow-ups, flagged check-ins (safety
concerns, referrals to arrange) and relationships that never started or went quiet.

Each list is its own region with its own URL: htmx asks for one region, anything else gets the
whole page. An action here answers with its region and an ``HX-Trigger`` event the other
regions listen to, so the counts and lists update in place.
"""

from __future__ import annotations

import uuid

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from portal.coordinator import bp
from portal.db import db
from portal.htmx import render_page_or_fragment, wants_fragment
from portal.i18n import gettext as _
from portal.models import IntakeState, utcnow
from portal.security.permissions import requires_role
from portal.services import program_lists, settings, today_version, triage
from portal.shared_pages import render_kept

TODAY_CHANGED = "today-changed"


def _state() -> IntakeState:
    """The queue's state from the query string; anything unknown shows who is waiting."""
    try:
        state = IntakeState(request.args.get("state", IntakeState.WAITING))
    except ValueError:
        return IntakeState.WAITING
    return state if state in triage.QUEUE_STATES else IntakeState.WAITING


def _page() -> int:
    """The queue's page from the query string (1 for anything that is not a number)."""
    return request.args.get("page", 1, type=int) or 1


# Each region: its template and what it needs (loaded only when it is shown).
REGIONS = {
    "counts": ("coordinator/_today_counts.html",
               lambda: {"glance": triage.glance(db.session)}),
    "queue": ("coordinator/_today_queue.html",
              lambda: {"queue": triage.queue(db.session, _state(), _page()), "state": _state()}),
    "offers": ("coordinator/_today_offers.html",
               lambda: {"offers": triage.open_offers(db.session)}),
    "follow_up": ("coordinator/_today_follow_up.html",
                  lambda: {"next_steps": triage.next_steps(db.session),
                           "changes": triage.change_requests(db.session)}),
    "safety": ("coordinator/_today_safety.html",
               lambda: {"concerns": triage.safety_concerns(db.session)}),
    "referrals": ("coordinator/_today_referrals.html",
                  lambda: {"referrals": triage.referrals_needed(db.session)}),
    "follow_through": ("coordinator/_today_follow_through.html",
                       lambda: {"overdue": triage.first_contact_overdue(db.session),
                                "quiet": triage.quiet_relationships(db.session)}),
}


def _context(names: list[str]) -> dict:
    context = {"state_labels": triage.STATE_LABELS, "outcome_labels": triage.OUTCOME_LABELS,
               "queue_states": triage.QUEUE_STATES, "state": _state(),
               "list_limit": triage.LIST_LIMIT}
    for name in names:
        context.update(REGIONS[name][1]())
    return context


def _today(region: str, **extra):
    """The whole of Today, or for htmx only ``region`` (and only its data is loaded)."""
    names = [region] if wants_fragment() else list(REGIONS)
    return render_page_or_fragment("coordinator/today.html", REGIONS[region][0],
                                   **_context(names), **extra)


def _whole_today(now) -> tuple[str, object]:
    """The whole page, and the first moment after ``now`` when the clock alone changes it."""
    # Settings and lists as this version has them: another process may have changed them
    # within their CACHE_SECONDS, and the page is kept longer than that.
    settings.forget_cached()
    program_lists.forget_cached()
    # Asked before the lists are read: a change the lists already show only renders again.
    until = triage.next_change(db.session, now)
    return render_template("coordinator/today.html", **_context(list(REGIONS))), until


@bp.get("/")
@requires_role("coordinator")
def today():
    """The coordinator's home; for htmx, the queue of one state (the tabs push this URL)."""
    if wants_fragment():
        return _today("queue")
    # Read before anything Today shows: the page kept under it is at least that recent.
    version = (today_version.current(db.session), str(current_user.role))
    now = utcnow()
    text = render_kept("coordinator_today", version, lambda: _whole_today(now), now)
    response = make_response(text)
    response.vary.add("HX-Request")
    return response


@bp.get("/today/counts")
@requires_role("coordinator")
def today_counts():
    """How many requests are in each state and how many items wait in each list."""
    return _today("counts")


@bp.get("/today/offers")
@requires_role("coordinator")
def today_offers():
    """Offers waiting for an answer, with the time left."""
    return _today("offers")


@bp.get("/today/follow-up")
@requires_role("coordinator")
def today_follow_up():
    """Declined, expired or withdrawn offers, and change requests: each needs a next step."""
    return _today("follow_up")


@bp.get("/today/safety")
@requires_role("coordinator")
def today_safety():
    """Safety concerns from check-ins that nobody has taken on yet."""
    return _today("safety")


@bp.get("/today/referrals")
@requires_role("coordinator")
def today_referrals():
    """Check-ins asking for a referral to other help that nobody has handled yet."""
    return _today("referrals")


@bp.get("/today/follow-through")
@requires_role("coordinator")
def today_follow_through():
    """Relationships with no first contact past its day, and relationships gone quiet."""
    return _today("follow_through")


@bp.post("/check-ins/<uuid:check_in_id>/acknowledge")
@requires_role("coordinator")
def acknowledge_check_in(check_in_id: uuid.UUID):
    """Mark a safety concern as taken on, or a referral as handled; the audit log keeps who."""
    check_in = triage.get_check_in(db.session, check_in_id)
    triage.acknowledge_check_in(db.session, check_in, actor=current_user)
    db.session.commit()
    referral = check_in.flag == triage.NEEDS_REFERRAL
    message = (_("Thank you. The referral is marked as handled.") if referral
               else _("Thank you. The concern is marked as taken on."))
    if not wants_fragment():
        flash(message, "success")
        return redirect(url_for("coordinator.today"), code=303)
    response = _today("referrals" if referral else "safety", message=message)
    response.headers["HX-Trigger"] = TODAY_CHANGED
    return response
