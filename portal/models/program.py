"""Program-wide records: referral resources and settings."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamps, UUIDKey, utcnow


class ReferralResource(UUIDKey, Timestamps, Base):
    """A place to refer to: counselling, crisis lines, treatment, ethics advice…"""

    __tablename__ = "referral_resource"

    name: Mapped[str] = mapped_column(sa.String(160))
    category: Mapped[str] = mapped_column(sa.String(32), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    url: Mapped[str | None] = mapped_column(sa.String(300))
    region: Mapped[str | None] = mapped_column(sa.String(32))
    always_open: Mapped[bool] = mapped_column(default=False)
    hours: Mapped[str | None] = mapped_column(sa.String(120))
    description: Mapped[str | None] = mapped_column(sa.String(500))
    is_crisis_line: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class Setting(Base):
    """One admin-editable program setting, stored as JSON (see portal.services.settings)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[dict | list | str | int | float | bool | None] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))


class ProgramListEntry(Base):
    """One entry of a list the program edits (regions, practice areas): see services/program_lists.

    ``code`` is stored on requests and profiles and never changes; ``bit`` is the entry's fixed
    place in the matching engine's encoding (today's entries keep today's order). A retired
    entry is no longer offered on forms, but keeps its code, its bit and its words.
    """

    __tablename__ = "program_list_entry"
    __table_args__ = (
        sa.UniqueConstraint("list_name", "code", name="uq_program_list_entry_code"),
        sa.UniqueConstraint("list_name", "bit", name="uq_program_list_entry_bit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_name: Mapped[str] = mapped_column(sa.String(32))
    code: Mapped[str] = mapped_column(sa.String(32))
    label: Mapped[str] = mapped_column(sa.String(80))
    label_fr: Mapped[str | None] = mapped_column(sa.String(80))
    bit: Mapped[int]
    position: Mapped[int]
    retired_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))

    @property
    def retired(self) -> bool:
        return self.retired_at is not None
