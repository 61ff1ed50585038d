"""Accounts, roles and server-side sessions."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamps, UUIDKey, enum_column, utcnow
from portal.security.crypto import EncryptedField


class Role(enum.StrEnum):
    PARTICIPANT = "participant"
    VOLUNTEER = "volunteer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        return self in (Role.COORDINATOR, Role.ADMIN)


class User(UUIDKey, Timestamps, Base):
    """Anyone who signs in. The email is encrypted; sign-in finds it by its blind index."""

    __tablename__ = "user_account"

    role: Mapped[Role] = enum_column(Role)
    email_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    email = EncryptedField()
    email_index: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    # A new address waits here until the link sent to it is used (services/recovery).
    pending_email_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    pending_email = EncryptedField()
    pending_email_nonce: Mapped[str | None] = mapped_column(sa.String(32))
    pending_email_expires_at: Mapped[datetime | None]
    # Staff only, optional: shown to participants beside their looks if the program chooses.
    display_name: Mapped[str | None] = mapped_column(sa.String(80))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    # Raising the epoch ends every session of this user at their next request.
    session_epoch: Mapped[int] = mapped_column(default=0)
    email_notifications: Mapped[bool] = mapped_column(default=True)
    # The portal's language they chose (services/language); None: their browser's, emails English.
    language: Mapped[str | None] = mapped_column(sa.String(8))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]
    # Second factor (staff): an encrypted TOTP seed and the last time step used (no replays).
    totp_secret_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    totp_secret = EncryptedField()
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    mfa_enrolled_at: Mapped[datetime | None]

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.is_enabled and self.erased_at is None

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def has_role(self, *roles: Role | str) -> bool:
        """Admins may do everything coordinators may."""
        wanted = {Role(r) for r in roles}
        if Role.COORDINATOR in wanted:
            wanted.add(Role.ADMIN)
        return self.role in wanted


class ServerSession(Base):
    """A browser session kept in the database, so it can be ended on the server.

    Not in Redis: a Redis outage must not sign everyone out or lose a half-typed intake.
    The cookie carries a random token; the table keeps only its SHA-256.
    """

    __tablename__ = "server_session"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    user_epoch: Mapped[int] = mapped_column(default=0)
    data_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    data = EncryptedField()
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class RecoveryCode(UUIDKey, Base):
    """A single-use code for a staff member who lost their authenticator (argon2-hashed)."""

    __tablename__ = "recovery_code"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    used_at: Mapped[datetime | None]


class Passkey(UUIDKey, Base):
    """A staff member's WebAuthn credential: a second factor that cannot be phished.

    Only the public half is kept; the sign counter (when the authenticator keeps one) tells a
    cloned key from the real one.
    """

    __tablename__ = "passkey"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[bytes] = mapped_column(sa.LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    transports: Mapped[str | None] = mapped_column(sa.String(120))
    label: Mapped[str] = mapped_column(sa.String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]


class AddressNotice(UUIDKey, Base):
    """A neutral note to an account's old address that the address was changed; sent once."""

    __tablename__ = "address_notice"

    email_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    email = EncryptedField()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
