"""Revealing a private detail of a request: on purpose, one group at a time, with a reason.

Each field shown gets its own audit event (its name and the reason's code, never its value),
written before the value is read: if the audit write fails, nothing is shown (fail closed).
Words given with the reason are free text, so they are kept encrypted beside the log
(``RevealNote``) and erased with the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.i18n import gettext as _
from portal.models import ConflictKind, Intake, RevealNote
from portal.security import audit
from portal.services.errors import DomainError
from portal.services.looks import REASON_LABELS
from portal.services.triage.labels import REVEAL_GROUPS, pick_one

WORDS_LIMIT = 200


@dataclass(frozen=True)
class Revealed:
    """The private fields of one group, read after their audit events were written."""

    group: str
    note: str | None = None
    phone: str | None = None
    voicemail_ok: bool = False
    contact_times: str | None = None
    email: str | None = None   # only for a request with no account: the address it came with
    firms: tuple[str, ...] = ()
    do_not_match: tuple[str, ...] = ()


def _names(intake: Intake, kind: ConflictKind) -> tuple[str, ...]:
    return tuple(entry.value for entry in intake.conflicts if entry.kind == kind)


def reveal(session: Session, intake: Intake, group: str, *, actor, reason: str,
           words: str | None = None) -> Revealed:
    """Record who revealed which fields and why (never the values), then read them."""
    if group not in REVEAL_GROUPS:
        raise pick_one()
    if reason not in REASON_LABELS:
        raise DomainError(_("Please choose why you need to see it."))
    words = (words or "").strip() or None
    if words and len(words) > WORDS_LIMIT:
        raise DomainError(_("Please keep this to %(n)d characters or fewer.", n=WORDS_LIMIT))
    for field in REVEAL_GROUPS[group]:
        event = audit.record(session, actor=actor, action="reveal", subject_type="intake",
                             subject_id=intake.id, detail=field, reason=reason)
    session.flush()
    if words:
        session.add(RevealNote(intake_id=intake.id, audit_event_id=event.id, words=words))
        session.flush()
    return _read(intake, group)


def _read(intake: Intake, group: str) -> Revealed:
    if group == "note":
        return Revealed(group, note=intake.note)
    if group == "contact":
        return Revealed(group, phone=intake.phone, voicemail_ok=intake.voicemail_ok,
                        contact_times=intake.contact_times,
                        email=intake.claim_email if intake.participant_id is None else None)
    return Revealed(group, firms=_names(intake, ConflictKind.FIRM),
                    do_not_match=_names(intake, ConflictKind.PERSON))
