"""The reports page and its CSV download (aggregates only; never a person)."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, request
from flask_login import current_user

from portal.db import db
from portal.htmx import render_page_or_fragment
from portal.reports import bp
from portal.reports.measures import (
    CLOSE_LABELS,
    CLOSE_REASONS,
    LOAD_BANDS,
    csv_rows,
    program_report,
)
from portal.reports.suppression import suppress
from portal.security import audit
from portal.security.permissions import requires_role
from portal.services import calendar, outcomes, settings, volunteer_care

MAX_MONTHS = 60


def _month(value: str | None, fallback: date) -> date:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return fallback


def _range() -> tuple[date, date, str, list[str]]:
    """Parse period and range from the query; bad values fall back with a plain message."""
    today = calendar.program_today(db.session)  # the program's today, not the server's
    default_start = date(today.year - 1, today.month, 1)
    problems = []
    period = request.args.get("period", "month")
    if period not in ("month", "quarter"):
        problems.append("Period must be month or quarter; showing months.")
        period = "month"
    start = _month(request.args.get("from"), default_start)
    end = _month(request.args.get("to"), date(today.year, today.month, 1))
    if request.args.get("from") and start == default_start and request.args["from"] != default_start.strftime("%Y-%m"):
        problems.append("“From” should look like 2026-01; showing the last twelve months.")
    if end < start:
        problems.append("“To” was before “From”; they have been swapped.")
        start, end = end, start
    if (end.year - start.year) * 12 + end.month - start.month > MAX_MONTHS:
        problems.append(f"Reports cover at most {MAX_MONTHS} months; the start was moved.")
        start = date(end.year - MAX_MONTHS // 12, end.month, 1)
    return start, end, period, problems


def _report():
    start, end, period, problems = _range()
    threshold = settings.get(db.session, "suppression_threshold")
    return program_report(db.session, start, end, period, threshold), start, end, problems


@bp.get("/")
@requires_role("coordinator")
def index():
    """Program measures by month or quarter, small counts suppressed."""
    report, start, end, problems = _report()
    return render_page_or_fragment(
        "reports/index.html", "reports/_report.html", report=report, start=start, end=end,
        problems=problems, close_reasons=CLOSE_REASONS, close_labels=CLOSE_LABELS,
        load_bands=LOAD_BANDS,
        service=volunteer_care.annual_totals(db.session), helping=_helping(report.threshold))


def _helping(k: int) -> dict:
    """"Is this helping?" by quarter: answers × quarters, suppressed like every table."""
    quarters, counts = outcomes.by_quarter(db.session)
    rows = [counts[code] for code, _label in outcomes.ANSWERS]
    table = suppress(rows, k) if quarters else None
    return {"quarters": [f"{q.year} Q{(q.month - 1) // 3 + 1}" for q in quarters],
            "answers": [label for _code, label in outcomes.ANSWERS], "table": table}


@bp.get("/export.csv")
@requires_role("coordinator")
def export():
    """The same aggregates as CSV; the download is audit-logged."""
    report, start, end, _problems = _report()
    audit.record(db.session, actor=current_user, action="export", subject_type="report",
                 detail=f"{report.period}:{start:%Y-%m}:{end:%Y-%m}")
    db.session.commit()
    buffer = io.StringIO()
    csv.writer(buffer).writerows(csv_rows(report))
    name = f"program-report-{start:%Y-%m}-to-{end:%Y-%m}.csv"
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
