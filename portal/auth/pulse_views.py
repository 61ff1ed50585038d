""""Is this helping?": the one content-free question, answered by a participant or a volunteer
from their home page (a fragment for htmx, the home page again otherwise)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth import bp
from portal.db import db
from portal.forms import PICK_ONE, PulseForm
from portal.htmx import wants_fragment
from portal.i18n import gettext as _
from portal.security.permissions import requires_role
from portal.services import outcomes


def pulse_context(user) -> dict:
    """What a home page needs to ask the waiting question, if any."""
    pulse = outcomes.waiting_for(db.session, user)
    change = url_for("participant.change") if str(user.role) == "participant" \
        and pulse is not None and pulse.moment != "closure" else None
    return {"pulse": pulse, "pulse_form": PulseForm(formdata=None),
            "pulse_action": url_for("auth.answer_pulse"), "pulse_change": change}


@bp.post("/pulse")
@requires_role("participant", "volunteer")
def answer_pulse():
    form = PulseForm()
    user = current_user._get_current_object()
    if not form.validate_on_submit():
        if not wants_fragment():  # the home pages are other areas' views: back to them, saying so
            flash(str(form.answer.errors[0] if form.answer.errors else PICK_ONE), "warning")
            return redirect(url_for("auth.home"), code=303)
        context = {**pulse_context(user), "pulse_form": form}
        return render_template("_partials/pulse.html", **context), 422
    outcomes.answer(db.session, user, request.form.get("pulse_id", ""), form.answer.data)
    db.session.commit()
    if wants_fragment():
        return render_template("_partials/pulse.html", pulse_saved=True)
    flash(_("Thank you. Your answer is counted only with everyone else's."), "success")
    return redirect(url_for("auth.home"), code=303)
