"""List, add, edit and retire referral resources."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_login import current_user

from portal.db import db
from portal.htmx import redirect_for_htmx, render_page_or_fragment
from portal.i18n import gettext as _
from portal.resources import bp
from portal.resources.forms import ResourceForm
from portal.security.permissions import requires_role
from portal.services import resources
from portal.vocab import REFERRAL_CATEGORIES


def _values(form: ResourceForm) -> dict[str, object]:
    return {name: form[name].data for name in resources.FIELDS}


@bp.get("/")
@requires_role("coordinator")
def index():
    """Every resource, grouped by category, retired ones last."""
    return render_page_or_fragment("resources/index.html", "resources/_list.html",
                                   resources=resources.list_for_editor(db.session),
                                   labels=dict(REFERRAL_CATEGORIES))


@bp.route("/new", methods=["GET", "POST"])
@requires_role("coordinator")
def create():
    """Add a resource to the directory."""
    form = ResourceForm()
    if form.validate_on_submit():
        resources.create_resource(db.session, _values(form), actor=current_user)
        db.session.commit()
        flash(_("Resource added."), "success")
        return redirect_for_htmx(url_for("resources.index"))
    return render_template("resources/form.html", form=form, resource=None), 422 if form.errors else 200


@bp.route("/<resource_id>", methods=["GET", "POST"])
@requires_role("coordinator")
def edit(resource_id):
    """Change a resource."""
    resource = resources.get_resource(db.session, resource_id)
    form = ResourceForm(obj=resource)
    if form.validate_on_submit():
        resources.update_resource(db.session, resource, _values(form), actor=current_user)
        db.session.commit()
        flash(_("Resource saved."), "success")
        return redirect_for_htmx(url_for("resources.index"))
    return render_template("resources/form.html", form=form, resource=resource), 422 if form.errors else 200


@bp.post("/<resource_id>/active")
@requires_role("coordinator")
def set_active(resource_id):
    """Retire a resource from the directory, or bring it back."""
    resource = resources.get_resource(db.session, resource_id)
    resources.set_active(db.session, resource, request.form.get("active") == "1", actor=current_user)
    db.session.commit()
    return redirect_for_htmx(url_for("resources.index"))
