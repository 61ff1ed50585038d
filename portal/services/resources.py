"""The referral directory's editor: list, add, change, retire and bring back resources.

What participants and volunteers read is ``relationships.referral_directory`` (active only).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.i18n import gettext as _
from portal.models import ReferralResource
from portal.security import audit
from portal.services.errors import NotFound

# What the editor may set; the crisis-line flag follows from the category.
FIELDS = ("name", "category", "phone", "url", "region", "always_open", "hours", "description")


def list_for_editor(session: Session) -> list[ReferralResource]:
    """Every resource, active ones first, then by name."""
    return list(session.execute(
        sa.select(ReferralResource).order_by(ReferralResource.active.desc(), ReferralResource.name)
    ).scalars())


def get_resource(session: Session, resource_id: str | uuid.UUID) -> ReferralResource:
    """One resource by id; a malformed id is as unknown as a missing one."""
    try:
        resource = session.get(ReferralResource, uuid.UUID(str(resource_id)))
    except ValueError:
        resource = None
    if resource is None:
        raise NotFound(_("We could not find that page."))
    return resource


def _apply(resource: ReferralResource, values: Mapping[str, object]) -> None:
    for name in FIELDS:
        value = values.get(name)
        setattr(resource, name, value.strip() if isinstance(value, str) else value)
    resource.is_crisis_line = resource.category == "crisis_line"


def create_resource(session: Session, values: Mapping[str, object], *, actor) -> ReferralResource:
    """Add a resource to the directory (text is trimmed)."""
    resource = ReferralResource()
    _apply(resource, values)
    session.add(resource)
    session.flush()
    audit.record(session, actor=actor, action="create", subject_type="referral_resource",
                 subject_id=resource.id)
    return resource


def update_resource(session: Session, resource: ReferralResource, values: Mapping[str, object],
                    *, actor) -> None:
    """Change every editable field of ``resource``."""
    _apply(resource, values)
    audit.record(session, actor=actor, action="update", subject_type="referral_resource",
                 subject_id=resource.id)


def set_active(session: Session, resource: ReferralResource, active: bool, *, actor) -> None:
    """Retire a resource from the directory people read, or bring it back."""
    resource.active = active
    audit.record(session, actor=actor, action="update", subject_type="referral_resource",
                 subject_id=resource.id, detail="active" if active else "retired")
