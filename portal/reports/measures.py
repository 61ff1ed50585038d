"""Program measures by month or quarter, as aggregates only, with small cells suppressed.

Nothing here returns a person: rows are periods or categories, values are counts or medians.
Medians of fewer than k cases are hidden too (a median of two is almost a person's story).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.i18n import lazy_gettext as _l
from portal.models import Intake, Match, MatchState, OnboardingState, VolunteerProfile
from portal.reports.suppression import Cell, SuppressedTable, effective_threshold, suppress
from portal.services import program_lists

CLOSE_REASONS = ("completed", "withdrawn", "referred_out", "change_requested", "other")
CLOSE_LABELS = {"completed": _l("Completed"), "withdrawn": _l("Withdrawn"),
                "referred_out": _l("Referred out"), "change_requested": _l("Change requested"),
                "other": _l("Other")}
LOAD_BANDS = ("0", "1", "2", "3+")


@dataclass(frozen=True)
class Median:
    """A median in days over n cases, hidden when n is below the threshold."""

    days: float | None
    cases: int
    threshold: int

    @property
    def hidden(self) -> bool:
        return self.cases < self.threshold

    def __str__(self) -> str:
        if self.cases == 0:
            return "–"
        return f"<{self.threshold} cases" if self.hidden else f"{self.days:.1f}"


@dataclass
class Report:
    period: str
    labels: list[str]
    threshold: int
    counts: dict[str, SuppressedTable]   # one row per measure: its periods and its total
    closures: SuppressedTable            # reasons × periods, with totals both ways
    medians: dict[str, list[Median]] = field(default_factory=dict)
    active_matches: list[Cell] = field(default_factory=list)
    volunteer_load: SuppressedTable | None = None
    regions: list[tuple[str, str, bool]] = field(default_factory=list)  # code, words, retired
    by_region: SuppressedTable | None = None  # the regions' rows, then "not given", × periods


def period_start(day: date, period: str) -> date:
    if period == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, day.month, 1)


def next_period(start: date, period: str) -> date:
    months = 3 if period == "quarter" else 1
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def periods(start: date, end: date, period: str) -> list[date]:
    """Period starts covering ``start``..``end``."""
    current, found = period_start(start, period), []
    while current <= end:
        found.append(current)
        current = next_period(current, period)
    return found


def label(start: date, period: str) -> str:
    return f"{start.year} Q{(start.month - 1) // 3 + 1}" if period == "quarter" else start.strftime("%Y-%m")


def _bucket(moment: datetime | None, starts: list[date], period: str) -> int | None:
    if moment is None:
        return None
    key = period_start(moment.date(), period)
    return starts.index(key) if key in starts else None


def _count_by_period(moments, starts, period) -> list[int]:
    counts = [0] * len(starts)
    for moment in moments:
        index = _bucket(moment, starts, period)
        if index is not None:
            counts[index] += 1
    return counts


def _as_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _first_times(session: Session, column) -> dict:
    """Each intake's earliest time in a match column (first offer, first introduction)."""
    return dict(session.execute(
        sa.select(Match.intake_id, sa.func.min(column)).where(column.is_not(None))
        .group_by(Match.intake_id)
    ).all())


def _medians(session, intakes, starts, period, k) -> dict[str, list[Median]]:
    first_offer = _first_times(session, Match.offered_at)
    first_intro = _first_times(session, Match.activated_at)
    result = {}
    for name, firsts in (("Days to first offer", first_offer), ("Days to introduction", first_intro)):
        waits: list[list[float]] = [[] for _ in starts]
        for intake_id, submitted in intakes:
            index = _bucket(submitted, starts, period)
            if index is not None and intake_id in firsts:
                waits[index].append((firsts[intake_id] - submitted) / timedelta(days=1))
        result[name] = [Median(statistics.median(w) if w else None, len(w), k) for w in waits]
    return result


def _active_at(session, starts, period, k) -> list[Cell]:
    rows = session.execute(sa.select(Match.activated_at, Match.closed_at)
                           .where(Match.activated_at.is_not(None))).all()
    counts = []
    for start in starts:
        end = _as_utc(next_period(start, period))
        counts.append(sum(1 for activated, closed in rows
                          if activated < end and (closed is None or closed >= end)))
    return suppress([counts], k).cells[0]


def _volunteer_load(session, k) -> SuppressedTable:
    load = Counter(dict(session.execute(
        sa.select(Match.volunteer_id, sa.func.count()).where(Match.state == MatchState.ACTIVE)
        .group_by(Match.volunteer_id)).all()))
    active = session.execute(sa.select(VolunteerProfile.id)
                             .where(VolunteerProfile.state == OnboardingState.ACTIVE)).scalars()
    bands = Counter(LOAD_BANDS[min(load.get(v, 0), 3)] for v in active)
    return suppress([[bands[band] for band in LOAD_BANDS]], k)


def _by_region(session, intakes, starts, period, k):
    """Requests received by region (the program's list, retired entries included, with their
    words) and period; a last row for requests with none (erased ones among them), so each
    column adds up to the requests received that period."""
    entries = program_lists.entries(session, "regions")
    row_of = {entry.code: i for i, entry in enumerate(entries)}
    table = [[0] * len(starts) for _ in range(len(entries) + 1)]
    for intake in intakes:
        index = _bucket(intake.submitted_at, starts, period)
        if index is not None:
            table[row_of.get(intake.region, len(entries))][index] += 1
    french = program_lists.french()
    regions = [(e.code, e.words(french), e.retired) for e in entries]
    return regions, suppress(table, k)


def program_report(session: Session, start: date, end: date, period: str, threshold: int) -> Report:
    """Every measure of the reports page for ``start``..``end`` by month or quarter."""
    k = effective_threshold(threshold)
    starts = periods(start, end, period)
    intakes = session.execute(sa.select(Intake.id, Intake.submitted_at, Intake.erased_at,
                                        Intake.region)).all()
    matches = session.execute(sa.select(Match.offered_at, Match.activated_at, Match.closed_at,
                                        Match.close_reason, Match.state)).all()
    count_rows = {
        "Requests received": _count_by_period((i.submitted_at for i in intakes), starts, period),
        "Offers made": _count_by_period((m.offered_at for m in matches), starts, period),
        "Introductions": _count_by_period((m.activated_at for m in matches), starts, period),
        "Change requests": _count_by_period(
            (m.closed_at for m in matches if m.close_reason == "change_requested"), starts, period),
    }
    closed = [m for m in matches if m.state == MatchState.CLOSED]
    closures = [
        _count_by_period((m.closed_at for m in closed
                          if (m.close_reason if m.close_reason in CLOSE_REASONS else "other") == reason),
                         starts, period)
        for reason in CLOSE_REASONS
    ]
    regions, by_region = _by_region(session, intakes, starts, period, k)
    return Report(
        regions=regions, by_region=by_region,
        period=period, labels=[label(s, period) for s in starts], threshold=k,
        counts={name: suppress([row], k) for name, row in count_rows.items()},
        closures=suppress(closures, k),
        # An erased request keeps only months, too coarse to time a wait: it is left out here.
        medians=_medians(session, [(i.id, i.submitted_at) for i in intakes if i.erased_at is None],
                         starts, period, k),
        active_matches=_active_at(session, starts, period, k),
        volunteer_load=_volunteer_load(session, k),
    )


def csv_rows(report: Report) -> list[list[str]]:
    """The same aggregates as the page, one row per measure and period."""
    rows = [["measure", "period", "value"]]
    for name, table in report.counts.items():
        rows += [[name, p, str(cell)] for p, cell in zip(report.labels, table.cells[0], strict=False)]
        rows.append([name, "total", str(table.total)])
    for reason, cells in zip(CLOSE_REASONS, report.closures.cells, strict=False):
        rows += [[f"Closures: {reason.replace('_', ' ')}", p, str(c)] for p, c in zip(report.labels, cells, strict=False)]
    for name, medians in report.medians.items():
        rows += [[name + " (median)", p, str(m)] for p, m in zip(report.labels, medians, strict=False)]
    rows += [["Active matches at period end", p, str(c)] for p, c in zip(report.labels, report.active_matches, strict=False)]
    for (_code, words, _retired), cells in zip(report.regions, report.by_region.cells, strict=False):
        rows += [[f"Requests from {words}", p, str(c)] for p, c in zip(report.labels, cells, strict=False)]
    rows += [["Requests from no region given", p, str(c)]
             for p, c in zip(report.labels, report.by_region.cells[-1], strict=False)]
    rows += [[f"Active volunteers with {band} active matches", "now", str(c)]
             for band, c in zip(LOAD_BANDS, report.volunteer_load.cells[0], strict=False)]
    return rows
