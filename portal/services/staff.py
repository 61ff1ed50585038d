"""Staff accounts, kept by an admin: who they are, when they last signed in, whether their
second step is set up; invited by a single-use link, deactivated (their sessions end at once),
reactivated, their second step reset. The last active admin can never be removed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.i18n import gettext as _
from portal.models import Role, User
from portal.security import audit
from portal.services import accounts, mfa
from portal.services.errors import Conflict, NotFound

STAFF_ROLES = (Role.COORDINATOR, Role.ADMIN)


@dataclass(frozen=True)
class StaffRow:
    user_id: uuid.UUID
    email: str
    name: str | None
    role: Role
    active: bool
    last_sign_in: datetime | None
    second_step: bool


def staff_list(session: Session) -> list[StaffRow]:
    """Every staff account, active ones first, then by role and email."""
    users = session.execute(sa.select(User).where(User.role.in_(STAFF_ROLES))).scalars().all()
    rows = [StaffRow(u.id, u.email or "", u.display_name, u.role, u.is_enabled, u.last_login_at,
                     u.mfa_enrolled_at is not None) for u in users]
    return sorted(rows, key=lambda r: (not r.active, r.role != Role.ADMIN, r.email.lower()))


def get_staff(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or user.role not in STAFF_ROLES:
        raise NotFound(_("We could not find that staff account."))
    return user


def _active_admins(session: Session) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.is_enabled, User.erased_at.is_(None))).scalar_one()


def deactivate(session: Session, user: User, *, actor: User) -> None:
    """The account can no longer sign in, and is signed out everywhere at once."""
    if user.id == actor.id:
        raise Conflict(_("You cannot deactivate your own account. Ask another admin."))
    if user.role is Role.ADMIN and user.is_enabled and _active_admins(session) <= 1:
        raise Conflict(_("This is the last active admin: make someone else an admin first."))
    if not user.is_enabled:
        return
    user.is_enabled = False
    accounts.end_sessions(session, user)
    audit.record(session, actor=actor, action="deactivate", subject_type="user_account",
                 subject_id=user.id, detail=str(user.role))


def reactivate(session: Session, user: User, *, actor: User) -> None:
    if user.is_enabled:
        return
    user.is_enabled = True
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, actor=actor, action="reactivate", subject_type="user_account",
                 subject_id=user.id, detail=str(user.role))


def reset_second_step(session: Session, user: User, *, actor: User) -> None:
    """Forget their authenticator (a lost phone): they set it up again at their next sign-in."""
    mfa.reset(session, user, actor=actor)
