"""What the program holds about a participant, for them to read and take away.

The same content as a readable page and as a machine-readable file: the account, each request
with every answer in words (and its code), the names they asked us to avoid, how the request
went (when a volunteer was asked, when they were introduced and to whom), who has looked at
it, and the notifications sent to them. Never another person's details: a volunteer who was
asked but did not become their peer stays unnamed. Each download is audited.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import vocab
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import ConflictKind, Intake, Match, MatchState, Notification, User, utcnow
from portal.security import audit
from portal.services import looks, program_lists, settings
from portal.services.intake_progress import peer_first_name
from portal.services.triage.labels import STATE_LABELS

FORMATS = ("html", "json")
MATCH_WORDS = {
    MatchState.OFFERED: _l("A volunteer was asked and has not answered yet"),
    MatchState.DECLINED: _l("A volunteer was asked and was not able to"),
    MatchState.EXPIRED: _l("A volunteer was asked and did not answer in time"),
    MatchState.WITHDRAWN: _l("A volunteer was asked; the offer was taken back"),
    MatchState.ACTIVE: _l("You were introduced to your peer"),
    MatchState.CLOSED: _l("Your relationship with your peer ended"),
}
# How the page names each key of the file (the file's keys stay as they are, in English).
FIELD_LABELS = {
    "email": _l("Email"), "created_at": _l("Account created"), "last_sign_in": _l("Last sign-in"),
    "email_notifications": _l("Email notifications"), "chosen_name": _l("Chosen name"),
    "member_type": _l("Member type"), "career_stage": _l("Career stage"),
    "practice_area": _l("Practice area"), "region": _l("Region"),
    "region_may_be_shown_to_a_volunteer_who_is_asked":
        _l("Region may be shown to a volunteer who is asked"),
    "languages": _l("Languages"), "gender": _l("Gender"), "topics": _l("Topics"),
    "main_topic": _l("Main topic"), "note": _l("Note"),
    "wishes_for_the_peer": _l("Wishes for the peer"), "preferred_gender": _l("Preferred gender"),
    "similar_career_stage": _l("Similar career stage"), "language": _l("Language"),
    "preferred_language": _l("Preferred language"), "usually_free": _l("Usually free"),
    "phone": _l("Phone"), "voicemail_ok": _l("A voicemail is fine"),
    "contact_times": _l("Contact times"), "firms_to_avoid": _l("Firms to avoid"),
    "people_to_avoid": _l("People to avoid"), "asked_at": _l("Asked"),
    "outcome": _l("Outcome"), "introduced_at": _l("Introduced"), "ended_at": _l("Ended"),
    "peer": _l("Peer"), "kind": _l("What"), "at": _l("When"), "status": _l("Status"),
    "read_at": _l("Read"),
}


def page_labels() -> dict:
    """The words the page uses for the file's keys and a request's state."""
    return {"field_labels": FIELD_LABELS,
            "state_labels": {str(state): label for state, label in STATE_LABELS.items()}}


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def _coded(vocabulary, code: str | None) -> dict | None:
    return {"code": code, "words": vocab.label(vocabulary, code)} if code else None


def _answers(session: Session, intake: Intake) -> dict:
    def listed(name: str, code: str | None) -> dict | None:
        return {"code": code, "words": program_lists.label(session, name, code)} if code else None

    def many(vocabulary, codes):
        return [_coded(vocabulary, code) for code in codes or ()]

    return {
        "chosen_name": intake.alias, "member_type": _coded(vocab.MEMBER_TYPES, intake.member_type),
        "career_stage": _coded(vocab.CAREER_BANDS, intake.career_band),
        "practice_area": listed("practice_areas", intake.practice_area),
        "region": listed("regions", intake.region),
        "region_may_be_shown_to_a_volunteer_who_is_asked": intake.share_region,
        "languages": many(vocab.LANGUAGES, intake.languages),
        "gender": _coded(vocab.GENDERS, intake.gender),
        "topics": many(vocab.CONCERNS, intake.concerns),
        "main_topic": _coded(vocab.CONCERNS, intake.primary_concern),
        "note": intake.note,
        "wishes_for_the_peer": {
            "gender": intake.gender_pref, "preferred_gender": intake.preferred_gender,
            "practice_area": intake.practice_pref, "similar_career_stage": intake.career_pref_similar,
            "region": intake.region_pref, "language": intake.language_pref,
            "preferred_language": intake.preferred_language,
        },
        "usually_free": [f"{day} {str(part).lower()}" for day, part in _cells(intake.availability_mask)],
        "phone": intake.phone, "voicemail_ok": intake.voicemail_ok,
        "contact_times": intake.contact_times,
        "firms_to_avoid": [c.value for c in intake.conflicts if c.kind == ConflictKind.FIRM],
        "people_to_avoid": [c.value for c in intake.conflicts if c.kind == ConflictKind.PERSON],
    }


def _cells(mask: int) -> list[tuple[str, str]]:
    return [(str(day_label), str(part_label))
            for day, (_d, day_label) in enumerate(vocab.DAYS)
            for part, (_p, part_label) in enumerate(vocab.PARTS_OF_DAY)
            if (mask or 0) >> vocab.cell_index(day, part) & 1]


def _history(session: Session, intake: Intake) -> list[dict]:
    matches = session.execute(sa.select(Match).where(Match.intake_id == intake.id)
                              .order_by(Match.offered_at)).scalars()
    rows = []
    for match in matches:
        introduced = match.activated_at is not None
        rows.append({"asked_at": _when(match.offered_at), "outcome": str(MATCH_WORDS[match.state]),
                     "introduced_at": _when(match.activated_at), "ended_at": _when(match.closed_at),
                     "peer": peer_first_name(session, match) if introduced else None})
    return rows


def _request(session: Session, intake: Intake) -> dict:
    return {
        "reference": str(intake.id), "sent_at": _when(intake.submitted_at),
        "state": str(intake.state), "urgent": intake.urgent,
        "principles_agreed": {"version": intake.consent_version, "at": _when(intake.consent_at)},
        "answers": _answers(session, intake), "history": _history(session, intake),
        "who_has_looked": [{"at": _when(line.at), "who": line.who, "what": line.what,
                            "why": line.why} for line in looks.for_participant(session, intake)],
    }


def gather(session: Session, user: User) -> dict:
    """Everything held about ``user``, in a form both a person and a program can read."""
    requests = session.execute(
        sa.select(Intake).where(Intake.participant_id == user.id, Intake.erased_at.is_(None))
        .order_by(Intake.submitted_at)).scalars().all()
    notes = session.execute(sa.select(Notification).where(Notification.recipient_id == user.id)
                            .order_by(Notification.created_at)).scalars()
    return {
        "about_this_file": _("What %(program)s holds about you, as of %(when)s.",
                             program=settings.get(session, "program_name"), when=_when(utcnow())),
        "account": {"email": user.email, "created_at": _when(user.created_at),
                    "last_sign_in": _when(user.last_login_at),
                    "email_notifications": user.email_notifications},
        "requests": [_request(session, intake) for intake in requests],
        "notifications": [{"kind": n.kind, "at": _when(n.created_at), "status": str(n.status),
                           "read_at": _when(n.read_at)} for n in notes],
    }


def record_download(session: Session, user: User, fmt: str) -> None:
    """One audit event per request downloaded (so it shows among its looks), or the account's."""
    requests = session.execute(sa.select(Intake.id).where(
        Intake.participant_id == user.id, Intake.erased_at.is_(None))).scalars().all()
    for intake_id in requests or [None]:
        audit.record(session, actor=user, action="export",
                     subject_type="intake" if intake_id else "user_account",
                     subject_id=intake_id or user.id, detail="data", reason=fmt)
    session.flush()
