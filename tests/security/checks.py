"""What every answer to a hostile submission must be: no 5xx, nothing raw, nothing partly
stored; a refusal with a message and the typed values kept; an acceptance stored as typed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tests.security import payloads as hostile
from tests.security.html_forms import TEXT_KINDS, Form, parse
from tests.security.world import Principal

ERROR_MARKUP = re.compile(r'class="[^"]*\b(error|notice-error|notice-warning)\b|<h1>Sorry</h1>')
# Fields whose refusal clears what the person chose, on purpose, with the reason.
KEPT_EXEMPT = {
    ("participant.submit", "consent_version"): "a consent version other than the one shown is "
    "outdated consent: the ticks are cleared so the person agrees to the text now shown",
}
# GET routes whose 5xx is their answer, not a failure.
ANSWERS_5XX = {"health.healthz": "503 means unhealthy (no worker runs beside this test)"}


def squash(value: str) -> str:
    return " ".join(value.split())


@dataclass
class Report:
    """What one case or page attack found, and how its submissions were answered."""

    problems: list[str] = field(default_factory=list)
    accepted: int = 0       # answered 2xx/3xx
    stored: int = 0         # and content rows changed
    requests: int = 0

    def add(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)


class Checking:
    """The checks, for the walk (which brings ``rows``, ``form_key`` and ``figures``)."""

    def check(self, report: Report, principal: Principal, form: Form, response,
              what: str, pairs=(), extra=(), hostile_field: str | None = None) -> bool:
        """The checks every submission passes; True when it stored something (rows changed).

        ``pairs`` is what was sent; ``extra`` other values sent (in the path, the query, JSON).
        """
        report.requests += 1
        status = response.status_code
        label = f"{principal.name} {what} → {status}"
        if status >= 500:
            report.add(f"{label}: a server error")
            self.rows.after_request()
            return False
        values = [v for _n, v in pairs if isinstance(v, str)] + list(extra)
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        page = parse(body, "http://localhost/") if body and status == 422 else None
        for problem in hostile.reflection_problems(body, values, page):
            report.add(f"{label}: {problem}")
        for problem in hostile.redirect_problems(response.headers):
            report.add(f"{label}: {problem}")
        audit = self.rows.new_audit_text()
        if any(marker in audit for v in values for marker in hostile.MARKER.findall(v)):
            report.add(f"{label}: a typed value reached the audit log")
        changes, written = self.rows.after_request()
        if status >= 400:
            if written:
                report.add(f"{label}: refused, yet it wrote to {written}")
            if status in (400, 422) and not ERROR_MARKUP.search(body):
                report.add(f"{label}: refused without a message to the person")
            if status == 422 and (self.form_key(form)[0], hostile_field) not in KEPT_EXEMPT:
                self.check_kept(report, label, form, page, pairs or [])
            return False
        report.accepted += 1
        if changes:
            report.stored += 1
            self.check_stored(report, label, form, pairs, changes)
            return True
        return False

    def check_kept(self, report: Report, label: str, form: Form, page, pairs) -> None:
        """The re-shown form keeps what the person typed (passwords excepted)."""
        again = next((f for f in (page.forms if page else []) if f.path == form.path), None)
        if again is None:
            report.add(f"{label}: the form was not shown again with its errors")
            return
        typed: dict[str, list[str]] = {}
        for name, value in pairs:
            typed.setdefault(name, []).append(value)
        for name, values in typed.items():
            if name not in again.names() or len(values) != 1:
                continue
            kind = again.kind(name)
            shown = again.value(name)
            if kind in TEXT_KINDS or kind in ("number", "date"):
                if [squash(v) for v in shown] != [squash(values[0])]:
                    report.add(f"{label}: {name!r} was not kept as typed "
                               f"({values[0][:30]!r} shown as {(shown or [''])[0][:30]!r})")
            elif kind in ("radio", "select", "checkbox") and values[0] in form.options(name) \
                    and values[0] not in shown:
                report.add(f"{label}: the choice {name!r}={values[0][:30]!r} was not kept")

    def check_stored(self, report: Report, label: str, form: Form, pairs, changes) -> None:
        """Each text field sent once is stored as typed (whitespace aside), not cut or altered.

        Stored means in the tables the request wrote: a value equal to what a row already held
        (a setting saved again unchanged) is left as it is, and still counts."""
        whole_tables = {table: list(self.rows.last.get(table, {})) for table in changes}
        stored = [squash(s) for s in self.rows.stored_strings(whole_tables)]
        typed: dict[str, list[str]] = {}
        for name, value in pairs:
            typed.setdefault(name, []).append(value)
        for name, values in typed.items():
            if name not in form.names() or form.kind(name) not in TEXT_KINDS or len(values) != 1:
                continue
            for line in values[0].splitlines():
                if squash(line) and not any(squash(line) in s for s in stored):
                    report.add(f"{label}: {name!r} was accepted but {squash(line)[:40]!r} "
                               f"is not stored as typed")
                    break

    def check_get(self, report: Report, principal: Principal, what: str, response, values):
        """A page or fragment answered: no 5xx (unless that is its answer), nothing raw."""
        report.requests += 1
        self.figures["hostile GETs"] += 1
        label = f"{principal.name} GET {what} → {response.status_code}"
        endpoint = what.split("?")[0].split("<")[0].split(" ")[0]
        if response.status_code >= 500 and endpoint not in ANSWERS_5XX:
            report.add(f"{label}: a server error")
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        for problem in hostile.reflection_problems(body, values):
            report.add(f"{label}: {problem}")
        for problem in hostile.redirect_problems(response.headers):
            report.add(f"{label}: {problem}")
