"""Who has looked at a request: each opening, reveal and download, read from the audit log.

The coordinator's record and the participant's own page read the same events in the same
words. The participant sees the role (and a staff member's name, when the program chooses to
show names), what was seen, and why a private detail was revealed; never who else asked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.i18n import lazy_gettext as _l
from portal.models import AuditEvent, Intake, User
from portal.services import settings

LOOK_ACTIONS = ("view", "reveal", "export")
LOOKS_SHOWN = 50

# The reasons a coordinator gives for revealing a private detail (the code is audited).
REVEAL_REASONS = (
    ("arrange_contact", _l("To arrange contact or an introduction")),
    ("check_conflict", _l("To check for a conflict of interest")),
    ("safety", _l("A concern for their safety")),
    ("participant_asked", _l("The person asked me to")),
    ("other", _l("Another reason")),
)
REASON_LABELS = dict(REVEAL_REASONS)
ROLE_LABELS = {"coordinator": _l("The program coordinator"), "admin": _l("A program administrator"),
               "participant": _l("You")}
# A volunteer's look is named by what they read: the offer before deciding, or the introduction.
VOLUNTEER_LABELS = {"offer": _l("A volunteer who was asked to support you"),
                    "introduction": _l("Your peer")}
SEEN_LABELS = {"page": _l("opened your request"), "suggestions": _l("looked for possible peers"),
               "offer": _l("read the summary of your request, before deciding"),
               "introduction": _l("read your contact details, after you were introduced"),
               "data": _l("downloaded your data")}
FIELD_LABELS = {"note": _l("your note"), "phone": _l("your phone number"),
                "contact_times": _l("your contact times"), "email": _l("your email address"),
                "firms": _l("the firms you listed"),
                "do_not_match": _l("the names you asked us to avoid")}


@dataclass(frozen=True)
class Look:
    """One look at a request: who (role, id), when, what (action and detail), and why."""

    at: datetime
    role: str | None
    actor_id: uuid.UUID | None
    action: str
    detail: str | None
    reason: str | None


def looks(session: Session, intake: Intake, limit: int = LOOKS_SHOWN) -> list[Look]:
    """The latest looks at ``intake``, newest first."""
    events = session.execute(
        sa.select(AuditEvent).where(AuditEvent.subject_type == "intake",
                                    AuditEvent.subject_id == str(intake.id),
                                    AuditEvent.action.in_(LOOK_ACTIONS))
        .order_by(AuditEvent.id.desc()).limit(limit)
    ).scalars()
    return [Look(event.ts, event.actor_role, event.actor_id, event.action, event.detail,
                 event.reason) for event in events]


@dataclass(frozen=True)
class LookLine:
    """A look in the participant's words."""

    at: datetime
    who: str
    what: str
    why: str | None


def who(look: Look, names: dict[uuid.UUID, str] | None = None) -> str:
    if look.role == "volunteer":
        return str(VOLUNTEER_LABELS.get(look.detail or "", _l("A volunteer")))
    name = (names or {}).get(look.actor_id) if look.actor_id else None
    role = str(ROLE_LABELS.get(look.role or "", _l("Someone at the program")))
    return f"{role} ({name})" if name else role


def what(look: Look) -> str:
    if look.action == "reveal":
        return str(_l("saw %(field)s", field=FIELD_LABELS.get(look.detail or "",
                                                              _l("a private detail"))))
    return str(SEEN_LABELS.get(look.detail or "", _l("opened your request")))


def for_participant(session: Session, intake: Intake) -> list[LookLine]:
    """The looks at the person's own request, repeated looks of one day shown once."""
    found = looks(session, intake)
    names = _staff_names(session, found) if settings.get(session, "show_staff_names") else {}
    lines, seen = [], set()
    for look in found:
        line = LookLine(look.at, who(look, names), what(look),
                        str(REASON_LABELS[look.reason]) if look.reason in REASON_LABELS else None)
        key = (look.at.date(), line.who, line.what, line.why)
        if key not in seen:
            seen.add(key)
            lines.append(line)
    return lines


def _staff_names(session: Session, found: list[Look]) -> dict[uuid.UUID, str]:
    ids = {look.actor_id for look in found if look.actor_id and look.role in ("coordinator", "admin")}
    if not ids:
        return {}
    rows = session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in rows if name}


def names_for_staff(session: Session, found: list[Look]) -> dict[uuid.UUID, str]:
    """Who looked, by name, for the program's own staff: a staff member's name (or email), a
    volunteer's display name."""
    from portal.models import VolunteerProfile

    ids = sorted({look.actor_id for look in found if look.actor_id}, key=str)
    if not ids:
        return {}
    names = {user_id: name or email for user_id, name, email in (
        (u.id, u.display_name, u.email)
        for u in session.execute(sa.select(User).where(User.id.in_(ids))).scalars())}
    profiles = session.execute(sa.select(VolunteerProfile)
                               .where(VolunteerProfile.user_id.in_(ids))).scalars()
    for profile in profiles:
        if profile.display_name:
            names[profile.user_id] = profile.display_name
    return names
