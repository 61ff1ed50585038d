"""Settings and the audit log, for admins only."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.admin import bp
from portal.admin.forms import SettingsForm
from portal.db import db
from portal.htmx import render_page_or_fragment
from portal.i18n import gettext as _
from portal.matching.records import CRITERIA
from portal.security.permissions import requires_role
from portal.services import audit_log as audit_log_service
from portal.services import settings

AUDIT_PAGE = 50


def _load_form() -> SettingsForm:
    get = lambda key: settings.get(db.session, key)  # noqa: E731
    weights, quiet = get("matching_weights"), get("quiet_hours")
    crisis = get("crisis_resources") + [{}] * 5
    data = dict(program_name=get("program_name"), program_contact=get("program_contact"),
                program_contact_fr=get("program_contact_fr"),
                offer_expiry_hours=get("offer_expiry_hours"),
                offer_reminder_hours=get("offer_reminder_hours"),
                contact_remind_days=get("first_contact_days")["remind"],
                contact_escalate_days=get("first_contact_days")["escalate"],
                quiet_remind_weeks=get("quiet_weeks")["remind"],
                quiet_escalate_weeks=get("quiet_weeks")["escalate"],
                approval_months=get("approval_months"),
                approval_reminder_days=get("approval_reminder_days"),
                program_timezone=get("program_timezone"), quiet_start=quiet["start"],
                quiet_end=quiet["end"], retention_months=get("retention_months"),
                suppression_threshold=get("suppression_threshold"), crisis_resources=crisis[:5],
                show_staff_names=get("show_staff_names"),
                **{f"weight_{name}": int(weights.get(name, 0)) for name in CRITERIA})
    return SettingsForm(data=data)


def _save(form: SettingsForm) -> None:
    values = {
        "program_name": form.program_name.data.strip(),
        "program_contact": form.program_contact.data.strip(),
        "offer_expiry_hours": form.offer_expiry_hours.data,
        "offer_reminder_hours": form.offer_reminder_hours.data,
        "first_contact_days": {"remind": form.contact_remind_days.data,
                               "escalate": form.contact_escalate_days.data},
        "quiet_weeks": {"remind": form.quiet_remind_weeks.data,
                        "escalate": form.quiet_escalate_weeks.data},
        "approval_months": form.approval_months.data,
        "approval_reminder_days": form.approval_reminder_days.data,
        "quiet_hours": {"start": form.quiet_start.data, "end": form.quiet_end.data},
        "retention_months": form.retention_months.data,
        "suppression_threshold": form.suppression_threshold.data,
        "show_staff_names": bool(form.show_staff_names.data),
        "matching_weights": {name: getattr(form, f"weight_{name}").data for name in CRITERIA},
        "crisis_resources": [
            {"name": e.form.name.data.strip(), "phone": e.form.phone.data.strip(),
             "hours": (e.form.hours.data or "").strip(),
             "name_fr": (e.form.name_fr.data or "").strip(),
             "hours_fr": (e.form.hours_fr.data or "").strip()}
            for e in form.crisis_resources if e.form.name.data],
    }
    if form.program_timezone.raw_data:
        values["program_timezone"] = form.program_timezone.data.strip()
    if form.program_contact_fr.raw_data:  # not posted by a page that predates the field
        values["program_contact_fr"] = (form.program_contact_fr.data or "").strip()
    settings.put_many(db.session, values, actor=current_user)


@bp.route("/settings", methods=["GET", "POST"])
@requires_role("admin")
def settings_page():
    """Program settings; a change affects the next computation, never past records."""
    form = SettingsForm() if request.method == "POST" else _load_form()
    if request.method == "POST":
        if form.validate_on_submit():
            _save(form)
            db.session.commit()
            flash(_("Settings saved."), "success")
            return redirect(url_for("admin.settings_page"), code=303)
        return render_template("admin/settings.html", form=form), 422
    return render_template("admin/settings.html", form=form)


def _page_cursor(before: int | None) -> int | None:
    """An event id to page back from; anything no id could be is ignored (the first page)."""
    return before if before is not None and 0 < before < 2**62 else None


@bp.get("/audit")
@requires_role("admin")
def audit_log():
    """Who did or viewed what, when; filter by action, subject, person or day. Read-only."""
    filters = {key: (request.args.get(key) or "").strip()[:64] for key in audit_log_service.FILTERS}
    events = audit_log_service.events(db.session, filters, AUDIT_PAGE,
                                      before=_page_cursor(request.args.get("before", type=int)))
    ignored = audit_log_service.ignored(filters)
    return render_page_or_fragment("admin/audit.html", "admin/_audit_rows.html", events=events,
                                   filters=filters, actions=audit_log_service.actions(db.session),
                                   page_size=AUDIT_PAGE, bad_day="day" in ignored,
                                   bad_actor="actor_id" in ignored)
