"""A participant's request for a peer, and the conflicts both sides declare."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, Timestamps, UUIDKey, enum_column, utcnow
from portal.security.crypto import EncryptedField


class IntakeState(enum.StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    MATCHED = "matched"
    CLOSED = "closed"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"


class Intake(UUIDKey, Timestamps, Base):
    """One request for peer support. Personal free text is encrypted; choices are codes."""

    __tablename__ = "intake"
    TRANSITIONS = {
        IntakeState.WAITING: {IntakeState.OFFERED, IntakeState.MATCHED, IntakeState.PAUSED,
                              IntakeState.WITHDRAWN, IntakeState.CLOSED},
        IntakeState.OFFERED: {IntakeState.MATCHED, IntakeState.WAITING, IntakeState.PAUSED,
                              IntakeState.WITHDRAWN, IntakeState.CLOSED},
        IntakeState.MATCHED: {IntakeState.WAITING, IntakeState.CLOSED, IntakeState.WITHDRAWN,
                              IntakeState.PAUSED},
        IntakeState.PAUSED: {IntakeState.WAITING, IntakeState.WITHDRAWN, IntakeState.CLOSED},
        IntakeState.CLOSED: set(),
        IntakeState.WITHDRAWN: set(),
    }

    participant_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[IntakeState] = enum_column(IntakeState, default=IntakeState.WAITING, index=True)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    urgent: Mapped[bool] = mapped_column(default=False, index=True)
    # Set after a change request: the intake goes to the front of the queue.
    priority: Mapped[bool] = mapped_column(default=False)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    waiting_since: Mapped[datetime] = mapped_column(default=utcnow)

    # About you
    alias_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    alias = EncryptedField()
    member_type: Mapped[str | None] = mapped_column(sa.String(32))
    career_band: Mapped[str | None] = mapped_column(sa.String(16))
    practice_area: Mapped[str | None] = mapped_column(sa.String(32))
    region: Mapped[str | None] = mapped_column(sa.String(32))
    # Whether a volunteer who is asked, before any yes, may see the region (the person's choice).
    share_region: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    languages: Mapped[list] = mapped_column(sa.JSON, default=list)
    gender: Mapped[str | None] = mapped_column(sa.String(24))

    # What you'd like support with
    concerns: Mapped[list] = mapped_column(sa.JSON, default=list)
    primary_concern: Mapped[str | None] = mapped_column(sa.String(32))
    note_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    note = EncryptedField()

    # Preferences for the peer
    gender_pref: Mapped[str] = mapped_column(sa.String(16), default="none")
    preferred_gender: Mapped[str | None] = mapped_column(sa.String(24))
    practice_pref: Mapped[str] = mapped_column(sa.String(16), default="none")
    career_pref_similar: Mapped[bool] = mapped_column(default=False)
    region_pref: Mapped[str] = mapped_column(sa.String(16), default="none")
    language_pref: Mapped[str] = mapped_column(sa.String(16), default="none")
    preferred_language: Mapped[str | None] = mapped_column(sa.String(16))
    availability_mask: Mapped[int] = mapped_column(default=0)

    # Discreet contact (the email is the account's)
    phone_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    phone = EncryptedField()
    voicemail_ok: Mapped[bool] = mapped_column(default=False)
    contact_times_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    contact_times = EncryptedField()

    # The address, until its owner proves it: a request sent by someone who is not signed in
    # waits here, attached to no account, while the coordinator already has it.
    claim_email_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    claim_email = EncryptedField()
    # The password chosen with a new address, hashed; used once, when the address is confirmed.
    claim_password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    # The language the request was made in: the address check is written in it, and the account
    # made when the address is confirmed starts in it (services/language).
    claim_language: Mapped[str | None] = mapped_column(sa.String(8))
    claim_nonce: Mapped[str | None] = mapped_column(sa.String(32))
    claim_sent_at: Mapped[datetime | None]
    claim_expires_at: Mapped[datetime | None]
    # When the person's address was proven (by their password or by the link sent to it).
    email_confirmed_at: Mapped[datetime | None]

    # How the request came in and how the person wants to be reached: "online" and "account"
    # for a self-referral; a coordinator entering one records the channel, how consent was
    # given, and phone, email or "coordinator" (then no account and no email at all).
    channel: Mapped[str] = mapped_column(sa.String(16), default="online",
                                         server_default="online")
    consent_method: Mapped[str] = mapped_column(sa.String(16), default="online",
                                                server_default="online")
    reach_by: Mapped[str] = mapped_column(sa.String(16), default="account",
                                          server_default="account")
    entered_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    # Consent
    consent_version: Mapped[str | None] = mapped_column(sa.String(32))
    consent_at: Mapped[datetime | None]

    # Matching bookkeeping
    suggestions_computed_at: Mapped[datetime | None]
    exclusion_counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(sa.String(32))
    erased_at: Mapped[datetime | None]
    # How finely an erased request's arrival is kept: month, quarter or year (services/erasure).
    kept_period: Mapped[str | None] = mapped_column(sa.String(8))

    conflicts: Mapped[list[ConflictEntry]] = relationship(
        back_populates="intake", cascade="all, delete-orphan",
        primaryjoin="Intake.id == ConflictEntry.intake_id",
    )


# Today's queue in its own order, and the counts per state, read from the index alone.
sa.Index("ix_intake_queue", Intake.state, Intake.erased_at, Intake.urgent.desc(),
         Intake.priority.desc(), Intake.waiting_since, Intake.id)


class ConflictKind(enum.StrEnum):
    FIRM = "firm"           # a current or former firm or employer
    PERSON = "person"       # someone the participant must not be matched with
    OWN_NAME = "own_name"   # a volunteer's own name, so a do-not-match entry finds it


class ConflictEntry(UUIDKey, Base):
    """A declared conflict: the text encrypted, compared only through its blind index."""

    __tablename__ = "conflict_entry"

    intake_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("intake.id", ondelete="CASCADE"), index=True
    )
    volunteer_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("volunteer_profile.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ConflictKind] = enum_column(ConflictKind)
    value_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    value = EncryptedField()
    value_index: Mapped[str] = mapped_column(sa.String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    intake: Mapped[Intake | None] = relationship(back_populates="conflicts")


class RevealNote(UUIDKey, Base):
    """The words a staff member gave with a reveal, beside its audit event (which holds the
    reason's code). Kept apart from the append-only log because they are free text: they are
    encrypted, and erased with the request."""

    __tablename__ = "reveal_note"

    intake_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("intake.id", ondelete="CASCADE"),
                                                 index=True)
    audit_event_id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"))
    words_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    words = EncryptedField()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
