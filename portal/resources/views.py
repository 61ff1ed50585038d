"""List, add, edit and retire referral resources."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.db import db
from portal.htmx import redirect_for_htmx, render_page_or_fragment
from portal.models import ReferralResource
from portal.resources import bp
from portal.resources.forms import ResourceForm
from portal.security import audit
from portal.security.permissions import requires_role
from portal.services.relationships import REFERRAL_CATEGORIES

FIELDS = ("name", "category", "phone", "url", "region", "always_open", "hours", "description")


def _get(resource_id: str) -> ReferralResource:
    try:
        resource = db.session.get(ReferralResource, uuid.UUID(resource_id))
    except ValueError:
        resource = None
    if resource is None:
        abort(404)
    return resource


def _apply(form: ResourceForm, resource: ReferralResource) -> None:
    for name in FIELDS:
        value = getattr(form, name).data
        setattr(resource, name, value.strip() if isinstance(value, str) else value)
    resource.is_crisis_line = resource.category == "crisis_line"


@bp.get("/")
@requires_role("coordinator")
def index():
    """Every resource, grouped by category, retired ones last."""
    resources = db.session.execute(
        sa.select(ReferralResource).order_by(ReferralResource.active.desc(), ReferralResource.name)
    ).scalars().all()
    return render_page_or_fragment("resources/index.html", "resources/_list.html",
                                   resources=resources, labels=dict(REFERRAL_CATEGORIES))


@bp.route("/new", methods=["GET", "POST"])
@requires_role("coordinator")
def create():
    """Add a resource to the directory."""
    form = ResourceForm()
    if form.validate_on_submit():
        resource = ReferralResource()
        _apply(form, resource)
        db.session.add(resource)
        db.session.flush()
        audit.record(db.session, actor=current_user, action="create",
                     subject_type="referral_resource", subject_id=resource.id)
        db.session.commit()
        flash(_("Resource added."), "success")
        return redirect_for_htmx(url_for("resources.index"))
    return render_template("resources/form.html", form=form, resource=None), 422 if form.errors else 200


@bp.route("/<resource_id>", methods=["GET", "POST"])
@requires_role("coordinator")
def edit(resource_id):
    """Change a resource."""
    resource = _get(resource_id)
    form = ResourceForm(obj=resource)
    if form.validate_on_submit():
        _apply(form, resource)
        audit.record(db.session, actor=current_user, action="update",
                     subject_type="referral_resource", subject_id=resource.id)
        db.session.commit()
        flash(_("Resource saved."), "success")
        return redirect_for_htmx(url_for("resources.index"))
    return render_template("resources/form.html", form=form, resource=resource), 422 if form.errors else 200


@bp.post("/<resource_id>/active")
@requires_role("coordinator")
def set_active(resource_id):
    """Retire a resource from the directory, or bring it back."""
    resource = _get(resource_id)
    resource.active = request.form.get("active") == "1"
    audit.record(db.session, actor=current_user, action="update", subject_type="referral_resource",
                 subject_id=resource.id, detail="active" if resource.active else "retired")
    db.session.commit()
    return redirect_for_htmx(url_for("resources.index"))
