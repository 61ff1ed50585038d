"""What the coordinator's pages call states, outcomes and reasons, and small shared helpers."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import AuditEvent, Intake, IntakeState, Match, MatchState, VolunteerProfile
from portal.services.errors import DomainError
from portal.services.offers import CHANGE_REQUESTED

LIST_LIMIT = 25  # items shown in each list of Today but the queue; the counts say how many in all
QUEUE_STATES = (IntakeState.WAITING, IntakeState.OFFERED, IntakeState.MATCHED, IntakeState.PAUSED)
STATE_LABELS = {
    IntakeState.WAITING: _l("Waiting"),
    IntakeState.OFFERED: _l("Offer out"),
    IntakeState.MATCHED: _l("Matched"),
    IntakeState.PAUSED: _l("Paused"),
    IntakeState.CLOSED: _l("Closed"),
    IntakeState.WITHDRAWN: _l("Withdrawn"),
}
# How an offer or relationship ended, as the coordinator reads it in lists and history.
OUTCOME_LABELS = {
    MatchState.OFFERED: _l("Offer waiting for an answer"),
    MatchState.ACTIVE: _l("Matched"),
    MatchState.DECLINED: _l("Declined"),
    MatchState.EXPIRED: _l("Expired without an answer"),
    MatchState.WITHDRAWN: _l("Offer withdrawn"),
    MatchState.CLOSED: _l("Closed"),
}
# Outcomes after which the request is back in the queue and the coordinator picks the next.
NEEDS_NEXT_STEP = (MatchState.DECLINED, MatchState.EXPIRED, MatchState.WITHDRAWN)
CLOSE_REASONS = (
    ("completed", _l("Completed: the support has run its course")),
    ("withdrawn", _l("Withdrawn: the person has stepped away")),
    ("referred_out", _l("Referred out to other help that fits better")),
    ("change_requested", _l("Change requested, and no new peer is wanted now")),
)
CLOSE_LABELS = dict(CLOSE_REASONS)
MANUAL_REASONS = (
    ("participant_asked", _l("The person asked for this volunteer")),
    ("better_fit", _l("A better fit than the suggestions, from what I know")),
    ("sooner", _l("This volunteer can respond sooner")),
    ("no_suggestion", _l("None of the suggestions fits")),
    ("other", _l("Another reason, discussed with the program")),
)
# One reveal shows one group; every field in it gets its own audit event (its name only).
REVEAL_GROUPS = {
    "note": ("note",),
    "contact": ("phone", "contact_times", "email"),
    "conflicts": ("firms", "do_not_match"),
}


def pick_one() -> DomainError:
    return DomainError(_("Please choose one of the options shown."))


def alias_of(intake: Intake | None) -> str:
    return (intake.alias if intake is not None else None) or _("A member")


def name_of(profile: VolunteerProfile | None) -> str:
    return (profile.display_name if profile is not None else None) or _("A volunteer")


def is_change_request(match: Match) -> bool:
    return match.state == MatchState.CLOSED and match.close_reason == CHANGE_REQUESTED


def acknowledged_check_ins(session: Session) -> set[str]:
    """Ids of the check-ins a coordinator has taken on.

    The acknowledgement lives only in the append-only audit log: a check-in row stays
    content-free, and nobody can quietly un-acknowledge a concern.
    """
    return set(session.execute(
        sa.select(AuditEvent.subject_id).where(AuditEvent.action == "acknowledge",
                                               AuditEvent.subject_type == "check_in")
    ).scalars())
