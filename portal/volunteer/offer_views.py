"""Offers: the need-to-know page, and the volunteer's free yes or no."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal.db import db
from portal.htmx import redirect_for_htmx, render_page_or_fragment, wants_fragment
from portal.i18n import gettext as _
from portal.models import MatchState
from portal.security.permissions import requires_role
from portal.services import offers, volunteers
from portal.volunteer import bp


@bp.get("/offers")
@requires_role("volunteer")
def offer_list():
    """Offers waiting for an answer."""
    profile = volunteers.get_profile(db.session, current_user)
    return render_page_or_fragment("volunteer/offers.html", "volunteer/_offers.html",
                                   offers=offers.open_offers(db.session, profile))


@bp.get("/offers/<uuid:match_id>")
@requires_role("volunteer")
def offer(match_id: uuid.UUID):
    """One offer: what the volunteer needs to decide, and nothing that identifies anyone."""
    match = offers.get_for_volunteer(db.session, match_id, current_user)
    if match.state == MatchState.ACTIVE:
        return redirect(url_for("volunteer.relationship", match_id=match.id), code=303)
    summary = None
    if match.state == MatchState.OFFERED:
        summary = offers.offer_view(db.session, match, viewer=current_user)
        db.session.commit()  # the audit record of this look
    return render_page_or_fragment("volunteer/offer.html", "volunteer/_offer.html",
                                   match=match, offer=summary)


@bp.post("/offers/<uuid:match_id>/accept")
@requires_role("volunteer")
def accept_offer(match_id: uuid.UUID):
    """Yes: the match becomes active and both sides get their introduction."""
    match = offers.get_for_volunteer(db.session, match_id, current_user)
    offers.accept(db.session, match, actor=current_user)
    db.session.commit()
    flash(_("Thank you for saying yes. Here is how to get in touch."))
    return redirect_for_htmx(url_for("volunteer.relationship", match_id=match.id))


@bp.post("/offers/<uuid:match_id>/decline")
@requires_role("volunteer")
def decline_offer(match_id: uuid.UUID):
    """No, without a reason: the coordinator is told and finds someone else."""
    match = offers.get_for_volunteer(db.session, match_id, current_user)
    offers.decline(db.session, match, actor=current_user)
    db.session.commit()
    if wants_fragment():
        return render_template("volunteer/_offer.html", match=match, offer=None)
    return redirect(url_for("volunteer.offer", match_id=match.id), code=303)
