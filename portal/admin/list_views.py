"""The program's own lists (regions, practice areas), for admins: add an entry, rename it,
retire it or bring it back, move it up or down. Every change answers the list again (a
fragment for htmx, the page otherwise); nothing is ever deleted."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.admin import bp
from portal.admin.forms import ListEntryForm, RenameEntryForm
from portal.db import db
from portal.htmx import render_page_or_fragment, wants_fragment
from portal.i18n import gettext as _
from portal.security.permissions import requires_role
from portal.services import program_lists
from portal.services.errors import NotFound

PAGE, LIST = "admin/lists.html", "admin/_list.html"


def _rename_form(name: str, *, posted: bool) -> RenameEntryForm:
    """The rename form, offering every entry of the list (retired ones can be renamed too)."""
    form = RenameEntryForm() if posted else RenameEntryForm(formdata=None)
    form.code.choices = [SelectChoice("", _("Choose one"))] + [
        SelectChoice(e.code, e.label) for e in program_lists.entries(db.session, name)]
    return form


def _show(name: str, *, form: ListEntryForm | None = None,
          rename: RenameEntryForm | None = None, status: int = 200, message: str | None = None):
    return render_page_or_fragment(
        PAGE, LIST, status=status, name=name, lists=program_lists.LISTS,
        entries=program_lists.entries(db.session, name), width=program_lists.WIDTH,
        form=form or ListEntryForm(formdata=None),
        rename=rename or _rename_form(name, posted=False),
        message=message)


def _done(name: str, message: str):
    db.session.commit()
    if wants_fragment():
        return _show(name, message=message)
    flash(message, "success")
    return redirect(url_for("admin.program_list", name=name), code=303)


@bp.get("/lists/<any(regions, practice_areas):name>")
@requires_role("admin")
def program_list(name: str):
    """One of the program's lists: what forms offer, and what old records still say."""
    return _show(name)


@bp.post("/lists/<any(regions, practice_areas):name>")
@requires_role("admin")
def add_list_entry(name: str):
    """A new entry at the end of the list; its code is made from its words, once."""
    form = ListEntryForm()
    if not form.validate_on_submit():
        return _show(name, form=form, status=422)
    try:
        program_lists.add_entry(db.session, name, form.label.data, form.label_fr.data,
                                actor=current_user)
    except program_lists.EntryRefused as refused:
        db.session.rollback()
        getattr(form, refused.field).errors = [str(refused)]
        return _show(name, form=form, status=422)
    return _done(name, _("“%(label)s” is added. Forms offer it from now on.",
                         label=form.label.data))


@bp.post("/lists/<any(regions, practice_areas):name>/rename")
@requires_role("admin")
def rename_list_entry(name: str):
    """New words for an entry: every request and profile holding it shows them."""
    form = _rename_form(name, posted=True)
    if not form.validate_on_submit():
        return _show(name, rename=form, status=422)
    try:
        program_lists.rename_entry(db.session, name, form.code.data, form.label.data,
                                   form.label_fr.data, actor=current_user)
    except program_lists.EntryRefused as refused:
        db.session.rollback()
        getattr(form, refused.field).errors = [str(refused)]
        return _show(name, rename=form, status=422)
    return _done(name, _("The words are changed."))


def _change(name: str, code: str, change, message: str):
    try:
        change(db.session, name, code, actor=current_user)
    except NotFound:
        abort(404)
    return _done(name, message)


@bp.post("/lists/<any(regions, practice_areas):name>/<code>/retire")
@requires_role("admin")
def retire_list_entry(name: str, code: str):
    """Forms stop offering the entry; records holding it keep it and its words."""
    return _change(name, code, program_lists.retire_entry,
                   _("Retired: forms no longer offer it; records that have it keep it."))


@bp.post("/lists/<any(regions, practice_areas):name>/<code>/restore")
@requires_role("admin")
def restore_list_entry(name: str, code: str):
    return _change(name, code, program_lists.restore_entry, _("Forms offer it again."))


@bp.post("/lists/<any(regions, practice_areas):name>/<code>/<any(earlier, later):direction>")
@requires_role("admin")
def move_list_entry(name: str, code: str, direction: str):
    """Show the entry one place earlier or later on forms (its code and matching stay)."""
    step = -1 if direction == "earlier" else 1
    return _change(name, code, lambda s, n, c, actor: program_lists.move_entry(
        s, n, c, step, actor=actor), _("The order is changed."))
