"""One case: one form as one principal, attacked field by field, with every answer checked."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote, urlsplit

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.routing import AnyConverter

from tests.security import payloads as hostile
from tests.security.checks import Report
from tests.security.harness import FOLLOW_LIMIT, LIGHT, PATH, REDIRECTS, Found, Walk
from tests.security.html_forms import TEXT_KINDS, Form, local
from tests.security.pages import with_path_value
from tests.security.world import KIND_OF_ARG

HYPOTHESIS_EXAMPLES = 8
REPEATED_ROW = re.compile(r"-[1-9]\d*-")   # FieldList rows after the first get the short list


def group_of(kind: str) -> str:
    if kind in TEXT_KINDS or kind == "password":
        return "text"
    if kind in ("number", "date"):
        return kind
    return "choice"


class Lost(Exception):
    """The form could not be found again (reported as a problem)."""


class Case:
    """A form as one principal: the whole battery (``full``) or a short one (another principal
    shown the same form), on fresh objects, with every answer checked."""

    def __init__(self, walk: Walk, found: Found, full: bool):
        self.walk, self.found, self.full = walk, found, full
        self.report = Report()
        self.principal = walk.principal(*found.principal)
        self.form: Form | None = None
        self.dirty = True
        self.maybe_stale = False   # an edit form saved: still usable, unless the record moved on
        self.follows = 0
        self.fresh_ids: set[str] = set()
        rules = list(walk.app.url_map.iter_rules(found.endpoint))
        about_objects = any(v[0] == "object" for v in {**found.page_args, **found.args}.values())
        # A form on its own page about the person's own or the program's record (profile,
        # settings) stays usable after saving; one about an object may have used it up.
        self.in_place = any("GET" in r.methods for r in rules) and not about_objects
        # A route with steps (an ``any()`` converter) is a flow: an accepted step is followed
        # to the submission that stores it.
        self.flow = any(isinstance(c, AnyConverter) for r in rules for c in r._converters.values())

    # ------------------------------------------------------------ finding the form

    def prepare(self) -> None:
        """Fresh objects, the page opened again, the form found on it."""
        walk, found = self.walk, self.found
        for attempt in range(2):
            self.principal = walk.principal(*found.principal, renew=attempt > 0)
            if self.principal.kind == "participant":
                walk.world.participant_state(self.principal)
            page_args = walk.fresh_args(found.page_args, self.principal)
            post_objects = {k: v for k, v in found.args.items()
                            if v[0] == "object" and k not in page_args}
            extra = walk.fresh_args(post_objects, self.principal)
            self.fresh_ids = {str(v) for k, v in {**page_args, **extra}.items() if k in KIND_OF_ARG}
            url = walk.adapter.build(found.page_endpoint, page_args, method="GET")
            response = walk.open(self.principal, url)
            forms = [f for f in walk.forms_of(response, url) if f.method == "post"
                     and walk.form_key(f) == walk.form_key(found.form)]
            forms.sort(key=lambda f: not any(i in f.action for i in self.fresh_ids))
            if found.args.get("cell"):
                forms.sort(key=lambda f: not f.path.endswith(f"/{found.args['cell'][1]}"))
            if forms:
                self.form = forms[0]
                self.dirty = False
                return
        raise Lost(f"{found.endpoint}: the form could not be found again on {url} "
                   f"({response.status_code} {response.headers.get('Location', '')}) "
                   f"as {self.principal.name}")

    # ------------------------------------------------------------ sending

    def send(self, pairs, what: str, *, extra=(), htmx=False, url=None, follow=False,
             field=None, **kw):
        """POST ``pairs`` (``extra``: values sent elsewhere, in the path, query or JSON;
        ``field``: the one field given a hostile value, if only one)."""
        if self.dirty:
            self.prepare()
        walk = self.walk
        walk.rows.before_request()
        response = walk.post(self.principal, url or self.form.action, pairs, htmx=htmx, **kw)
        if self.maybe_stale and response.status_code in (404, 409, 410):
            # The record an edit form was about has moved on: a fresh one, and again.
            self.maybe_stale = False
            self.prepare()
            walk.rows.before_request()
            response = walk.post(self.principal, url or self.form.action, pairs, htmx=htmx, **kw)
        walk.figures["hostile POSTs"] += 1
        stored = walk.check(self.report, self.principal, self.form, response,
                            f"{self.found.endpoint} {what}", pairs, extra, field)
        if "Clear-Site-Data" in response.headers or (stored and not self.in_place):
            self.dirty = True
        elif stored:
            self.maybe_stale = True
        elif follow and self.flow and response.status_code < 400 and self.follows < FOLLOW_LIMIT:
            self.follow(response, pairs, what)
        return response

    def follow(self, response, sent, what: str) -> None:
        """An accepted step of a flow: answer the next steps until something is stored."""
        target = response.headers.get("Location") or response.headers.get("HX-Push-Url")
        if response.status_code not in REDIRECTS and "HX-Push-Url" not in response.headers:
            return
        self.follows += 1
        walk = self.walk
        for _step in range(10):
            if not target:
                return
            target = local(target)
            page = walk.get(self.principal, target)
            form = walk.main_form(walk.forms_of(page, target))
            if form is None:
                return
            walk.rows.before_request()
            answer, accepted = walk.settle(self.principal, form)
            changes, _written = walk.rows.after_request()
            if changes:
                walk.check_stored(self.report, f"{self.principal.name} {self.found.endpoint} "
                                  f"{what} (followed to {form.path})", self.form, sent, changes)
                walk.figures["flows followed to their commit"] += 1
                self.dirty = True
                return
            if not accepted or answer.status_code not in REDIRECTS:
                return
            target = answer.headers.get("Location")

    def baseline(self):
        return self.walk.baseline(self.form, self.walk.fills.get(self.walk.form_key(self.form)))

    def with_value(self, name: str, values: list[str] | None):
        pairs = [(n, v) for n, v in self.baseline() if n != name]
        return pairs + [(name, v) for v in values or ()]

    # ------------------------------------------------------------ the battery

    def run(self) -> Report:
        """The whole battery for the first principal of a form; a short one for the others."""
        try:
            self.prepare()
            self.valid()
            if self.full:
                self.field_by_field()
            self.all_at_once()
            self.structure()
            if self.full:
                self.foreign_ids()
                self.generated()
        except Lost as lost:
            self.report.add(str(lost))
        return self.report

    def valid(self) -> None:
        """A person's valid submission first (it also learns what the form needs)."""
        _response, accepted = self.walk.settle(self.principal, self.form, self.report)
        self.dirty = accepted   # it may have used up its objects: start the attack afresh

    def names(self) -> list[str]:
        return self.form.names() if self.form else []

    def field_by_field(self) -> None:
        structured: set[str] = set()   # duplicates and lists: once per kind of field
        for name in self.names():
            if self.dirty:
                self.prepare()
            if name not in self.form.names():
                continue
            group = group_of(self.form.kind(name))
            self.walk.figures["form fields attacked one by one"] += 1
            short = REPEATED_ROW.search(name)
            values = [p for p in hostile.for_group(group) if not short or p.key in LIGHT]
            followed = False
            for payload in values:
                response = self.send(self.with_value(name, [payload.value]),
                                     f"{name}={payload.key}", field=name,
                                     follow=not followed and group == "text")
                followed = followed or response.status_code < 400
            if short:
                continue
            self.send(self.with_value(name, None), f"{name} missing", field=name)
            if group in structured:
                continue
            structured.add(group)
            current = [v for n, v in self.baseline() if n == name]
            self.send(self.with_value(name, current + [hostile.PAYLOADS[0].value]),
                      f"{name} twice", field=name)
            self.send(self.with_value(name, ["a", "b", "c", "<b>hx24</b>"]), f"{name} as a list",
                      field=name)

    def text_names(self) -> list[str]:
        return [n for n in self.names() if self.form.kind(n) in TEXT_KINDS]

    def all_at_once(self) -> None:
        if not self.text_names():
            return
        chosen = [p for p in hostile.for_group("text") if self.full or p.key in LIGHT[:2]]
        for payload in chosen:
            htmx_too = self.form.htmx and payload.key in LIGHT
            for htmx in ((False, True) if htmx_too else (False,)):
                if self.dirty:
                    self.prepare()
                names = self.text_names()
                pairs = [(n, v) for n, v in self.baseline() if n not in names]
                pairs += [(n, payload.value) for n in names]
                self.send(pairs, f"every text field={payload.key}{' (htmx)' if htmx else ''}",
                          htmx=htmx, follow=True)

    def structure(self) -> None:
        """Names the form does not offer, a JSON body, no body, a hostile query string."""
        self.send(self.baseline() + hostile.EXTRA_FIELDS, "with extra fields")
        if not self.full:
            return
        self.send([], "as JSON", json=dict(self.baseline()),
                  extra=[v for _n, v in self.baseline()])
        self.send([], "with an empty body")
        query = "next=%2F%2Fevil.example&x=%3Cscript%3Ealert('hx25')%3C%2Fscript%3E"
        separator = "&" if "?" in self.form.action else "?"
        self.send(self.baseline(), "with a query", url=f"{self.form.action}{separator}{query}",
                  extra=["<script>alert('hx25')</script>"])

    def foreign_ids(self) -> None:
        """Someone else's object, ids that name nothing, and hostile path values."""
        walk = self.walk
        matched = walk.match(self.form.action, "POST")
        if matched is None:
            return
        endpoint, args = matched
        for arg in args:
            values = []
            kind = KIND_OF_ARG.get(arg)
            if kind:
                other = walk.world.other(kind, self.principal)[arg]
                values.append(("someone else's", other))
            for payload in hostile.for_group("path"):
                if payload.key in LIGHT or (self.full and payload.key in PATH):
                    values.append((payload.key, payload.value[:2000]))
            for what, value in values:
                if self.dirty:
                    self.prepare()
                matched = walk.match(self.form.action, "POST")
                if matched is None:
                    break
                action = urlsplit(self.form.action)
                url = with_path_value(action.path, str(matched[1][arg]),
                                           quote(str(value), safe=""))
                url += f"?{action.query}" if action.query else ""
                response = self.send(self.baseline(), f"<{arg}>={what}", url=url,
                                     extra=[str(value)])
                if what == "someone else's" and response.status_code not in (403, 404):
                    self.report.add(f"{self.principal.name} {endpoint} with another's {kind} "
                                    f"→ {response.status_code}")

    def generated(self) -> None:
        """Hypothesis: every field at once, text of any kind; a fixed seed keeps CI stable."""
        names = self.names()
        if not names:
            return
        strategies = {n: _strategy(self.form, n) for n in names}

        @settings(max_examples=HYPOTHESIS_EXAMPLES, derandomize=True, database=None,
                  deadline=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(st.fixed_dictionaries(strategies), st.booleans())
        def submit(values, htmx):
            if self.dirty:
                self.prepare()
            self.walk.figures["hypothesis submissions"] += 1
            pairs = [(n, v) for n, v in self.baseline() if n not in values]
            pairs += [(n, v) for n, v in values.items() if v is not None]
            self.send(pairs, "hypothesis " + repr(values)[:200], htmx=htmx and self.form.htmx)

        submit()


def _strategy(form: Form, name: str):
    kind = form.kind(name)
    text = st.text(max_size=300)
    if kind in TEXT_KINDS or kind == "password":
        return st.one_of(text, st.sampled_from([p.value for p in hostile.for_group("text")]))
    if kind == "number":
        return st.one_of(st.integers(-(10 ** 20), 10 ** 20).map(str), st.text(max_size=12))
    if kind == "date":
        return st.one_of(st.dates(min_value=date(1, 1, 1)).map(date.isoformat),
                         st.text(max_size=12))
    options = form.options(name) or [""]
    return st.one_of(st.sampled_from(options), st.none(), st.text(max_size=40))

