"""The signed-in person's notifications."""

from __future__ import annotations

from flask import session
from flask_login import current_user

from portal.db import db
from portal.htmx import render_page_or_fragment
from portal.notices import bp
from portal.security.permissions import requires_role, signed_in
from portal.services import notifications


@bp.get("/")
@signed_in
def index():
    """Newest first; opening the list marks them read."""
    items, unread_ids = notifications.open_recent(db.session, current_user)
    db.session.commit()
    return render_page_or_fragment("notices/index.html", "notices/_list.html", items=items,
                                   unread_ids=unread_ids, kinds=notifications.KINDS)


@bp.get("/count")
@signed_in
def count():
    """The unread badge, polled by the header (a poll does not count as the person being active)."""
    session.keep_idle()
    unread = notifications.unread_count(db.session, current_user)
    return render_page_or_fragment("notices/count_page.html", "notices/_count.html", unread=unread)


@bp.get("/deliveries")
@requires_role("coordinator")
def deliveries():
    """Email deliveries: what waits, what failed (with a retry), what went out this week."""
    items = notifications.deliveries(db.session)
    return render_page_or_fragment("notices/deliveries.html", "notices/_deliveries.html", items=items,
                                   roles=notifications.recipient_roles(db.session, items),
                                   kinds=notifications.KINDS)


@bp.post("/deliveries/<uuid:note_id>/retry")
@requires_role("coordinator")
def retry(note_id):
    """Queue one failed or stuck email again."""
    note = notifications.get_notification(db.session, note_id)
    notifications.retry(db.session, note, actor=current_user)
    db.session.commit()
    return deliveries()
