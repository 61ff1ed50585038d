"""How long people usually wait now, in plain words for the participant's page.

From requests introduced in the last ``WINDOW_DAYS``: the median of the days from sending to
the introduction, rounded up to whole weeks once past a week. Shown only when at least as many
requests as the report threshold make it up (a smaller count could point at a person, and
says little anyway), and always as what happened lately, never a promise.
"""

from __future__ import annotations

import math
import statistics
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Intake, Match, utcnow
from portal.services import settings

WINDOW_DAYS = 90


def usual_wait_days(session: Session) -> int | None:
    """The median wait lately in days (weeks rounded up), or None when too few to say."""
    from portal.reports.suppression import effective_threshold  # the reports' own rule

    since = utcnow() - timedelta(days=WINDOW_DAYS)
    first_intro = (sa.select(Match.intake_id, sa.func.min(Match.activated_at).label("at"))
                   .where(Match.activated_at.is_not(None)).group_by(Match.intake_id).subquery())
    rows = session.execute(
        sa.select(Intake.submitted_at, first_intro.c.at)
        .join(first_intro, first_intro.c.intake_id == Intake.id)
        .where(first_intro.c.at >= since, Intake.erased_at.is_(None))).all()
    k = effective_threshold(settings.get(session, "suppression_threshold"))
    if len(rows) < k:
        return None
    median = statistics.median((at - submitted) / timedelta(days=1) for submitted, at in rows)
    days = max(1, math.ceil(median))
    return days if days <= 7 else math.ceil(days / 7) * 7
