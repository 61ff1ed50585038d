"""Volunteer profiles, onboarding and invitations."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import vocab
from portal.models.base import Base, Timestamps, UUIDKey, enum_column, utcnow
from portal.models.intake import ConflictEntry
from portal.security.crypto import EncryptedField


class OnboardingState(enum.StrEnum):
    APPLIED = "applied"
    SCREENED = "screened"
    TRAINED = "trained"
    ACTIVE = "active"
    PAUSED = "paused"
    RETIRED = "retired"


class VolunteerProfile(UUIDKey, Timestamps, Base):
    """A screened, trained volunteer: experience, boundaries, capacity and weekly grid."""

    __tablename__ = "volunteer_profile"
    TRANSITIONS = {
        OnboardingState.APPLIED: {OnboardingState.SCREENED, OnboardingState.RETIRED},
        OnboardingState.SCREENED: {OnboardingState.TRAINED, OnboardingState.RETIRED},
        OnboardingState.TRAINED: {OnboardingState.ACTIVE, OnboardingState.RETIRED},
        OnboardingState.ACTIVE: {OnboardingState.PAUSED, OnboardingState.RETIRED},
        OnboardingState.PAUSED: {OnboardingState.ACTIVE, OnboardingState.RETIRED},
        OnboardingState.RETIRED: set(),
    }

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[OnboardingState] = enum_column(OnboardingState, default=OnboardingState.APPLIED)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    screened_on: Mapped[date | None]
    screened_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    trained_on: Mapped[date | None]
    training_course: Mapped[str | None] = mapped_column(sa.String(120))
    # The approval (screening and training) holds through this day; after it the volunteer is
    # not matchable until renewed (services/approvals). None: no date recorded (before 0012).
    approved_until: Mapped[date | None]
    # The valid-until date the renewal reminder was sent for: once per due date.
    approval_reminded_for: Mapped[date | None]

    display_name_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    display_name = EncryptedField()
    # Codes as bit masks (bit i: the i-th code of the vocabulary), read and set as lists
    # through the properties below: the pool loads them as plain integers.
    experience_mask: Mapped[int] = mapped_column(default=0, server_default="0")
    boundaries_mask: Mapped[int] = mapped_column(default=0, server_default="0")
    practice_area: Mapped[str | None] = mapped_column(sa.String(32))
    career_band: Mapped[str | None] = mapped_column(sa.String(16))
    region: Mapped[str | None] = mapped_column(sa.String(32))
    languages_mask: Mapped[int] = mapped_column(default=0, server_default="0")
    gender: Mapped[str | None] = mapped_column(sa.String(24))
    note_for_coordinator_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    note_for_coordinator = EncryptedField()
    capacity: Mapped[int] = mapped_column(default=1)
    availability_mask: Mapped[int] = mapped_column(default=0)
    away_from: Mapped[date | None]
    away_until: Mapped[date | None]
    paused: Mapped[bool] = mapped_column(default=False)

    conflicts: Mapped[list[ConflictEntry]] = relationship(
        cascade="all, delete-orphan", primaryjoin="VolunteerProfile.id == ConflictEntry.volunteer_id",
    )

    __table_args__ = (sa.CheckConstraint("capacity BETWEEN 0 AND 5", name="capacity_range"),)

    @property
    def experience(self) -> list[str]:
        return vocab.codes_in(vocab.CONCERNS, self.experience_mask or 0)

    @experience.setter
    def experience(self, codes) -> None:
        self.experience_mask = vocab.mask_of(vocab.CONCERNS, codes)

    @property
    def boundaries(self) -> list[str]:
        return vocab.codes_in(vocab.CONCERNS, self.boundaries_mask or 0)

    @boundaries.setter
    def boundaries(self, codes) -> None:
        self.boundaries_mask = vocab.mask_of(vocab.CONCERNS, codes)

    @property
    def languages(self) -> list[str]:
        return vocab.codes_in(vocab.LANGUAGES, self.languages_mask or 0)

    @languages.setter
    def languages(self, codes) -> None:
        self.languages_mask = vocab.mask_of(vocab.LANGUAGES, codes)

    def is_away_on(self, day: date) -> bool:
        """True when ``day`` falls in the volunteer's away period."""
        if self.away_from is None:
            return False
        return self.away_from <= day and (self.away_until is None or day <= self.away_until)


class Invitation(UUIDKey, Base):
    """A single-use, expiring invitation to create an account: a volunteer's, or a staff
    member's (invited by an admin)."""

    __tablename__ = "invitation"

    role: Mapped[str] = mapped_column(sa.String(16), default="volunteer",
                                      server_default="volunteer")
    display_name: Mapped[str | None] = mapped_column(sa.String(80))  # staff: shown if chosen

    email_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    email = EncryptedField()
    email_index: Mapped[str] = mapped_column(sa.String(64), index=True)
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # Signed into the link with the id; a new nonce (on resend) makes every older link void.
    nonce: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]   # set by the mail job, so a rerun does not send twice
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
