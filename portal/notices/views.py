"""The signed-in person's notifications."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from portal.db import db
from portal.htmx import render_page_or_fragment
from portal.models import Notification
from portal.notices import bp
from portal.security.permissions import signed_in
from portal.services import notifications


@bp.get("/")
@signed_in
def index():
    """Newest first; opening the list marks them read."""
    items = db.session.execute(
        sa.select(Notification).where(Notification.recipient_id == current_user.id)
        .order_by(Notification.created_at.desc()).limit(100)
    ).scalars().all()
    unread_ids = {n.id for n in items if n.read_at is None}
    notifications.mark_read(db.session, current_user)
    db.session.commit()
    return render_page_or_fragment("notices/index.html", "notices/_list.html", items=items,
                                   unread_ids=unread_ids, kinds=notifications.KINDS)


@bp.get("/count")
@signed_in
def count():
    """The unread badge, polled by the header."""
    unread = notifications.unread_count(db.session, current_user)
    return render_page_or_fragment("notices/count_page.html", "notices/_count.html", unread=unread)
