"""Start a plan, poll its progress, review and approve the proposed pairs."""

from __future__ import annotations

from flask import flash, render_template, url_for
from flask_login import current_user

from portal.db import db
from portal.htmx import redirect_for_htmx, render_page_or_fragment
from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.planning import bp
from portal.security.permissions import requires_role
from portal.services import planning


@bp.get("/")
@requires_role("coordinator")
def index():
    """The latest plan with its proposals, or a button to run one."""
    run = planning.latest_run(db.session)
    return render_template("planning/index.html", run=run, rows=planning.proposal_rows(db.session, run))


@bp.post("/")
@requires_role("coordinator")
def start():
    """Queue a new plan for every waiting request."""
    run = planning.start_plan(db.session, actor=current_user)
    db.session.commit()
    return redirect_for_htmx(url_for("planning.index", _anchor=f"run-{run.id}"))


@bp.get("/<run_id>/progress")
@requires_role("coordinator")
def progress(run_id):
    """The self-polling progress bar; once done the whole plan view is loaded."""
    run = planning.get_run(db.session, run_id)
    return render_page_or_fragment("planning/index.html", "planning/_progress.html", run=run,
                                   rows=planning.proposal_rows(db.session, run))


@bp.post("/<run_id>/proposals/<proposal_id>/approve")
@requires_role("coordinator")
def approve(run_id, proposal_id):
    """Offer one proposed pair (skipped with the reason if it went stale)."""
    proposal = planning.get_proposal(db.session, run_id, proposal_id)
    problem = planning.approve(db.session, proposal, actor=current_user)
    db.session.commit()
    flash(problem or _("Offer sent to the volunteer."), "warning" if problem else "success")
    return redirect_for_htmx(url_for("planning.index"))


@bp.post("/<run_id>/approve-all")
@requires_role("coordinator")
def approve_all(run_id):
    """Offer every pair still proposed."""
    run = planning.get_run(db.session, run_id)
    offered, skipped = planning.approve_all(db.session, run, actor=current_user)
    db.session.commit()
    message = ngettext("%(num)d offer sent.", "%(num)d offers sent.", offered)
    if skipped:
        message += " " + _("%(n)d pairs skipped: %(why)s", n=len(skipped), why="; ".join(sorted(set(skipped))))
    flash(message, "warning" if skipped else "success")
    return redirect_for_htmx(url_for("planning.index"))
