"""The walk: find every route and every form each principal is shown, then attack each form.

Discovery reads the URL map, fills converters with objects of each state, opens every page a
principal may open (answering earlier steps of a flow when a page sends them back to one), and
records each form by the endpoint its action names. A case is one form as one principal: the
form is found again on a page about fresh objects, its valid submission is learned by trying
(the errors shown say which field to fix), then hostile values go in field by field, all at
once, as duplicates, lists, missing fields, extra fields, foreign ids and hypothesis text.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import AnyConverter, IntegerConverter

from tests.conftest import HX, PASSWORD
from tests.security.checks import Checking, Report
from tests.security.html_forms import Form, local, parse
from tests.security.rows import Rows
from tests.security.world import KIND_OF_ARG, PRINCIPALS, VARIANTS, Principal, World, intact

REDIRECTS = (301, 302, 303, 307, 308)
LIGHT = ("script", "attribute-breaker", "nul-byte", "very-long", "sql-quote")
# Hostile path values beyond the short list (most die in the router: a UUID converter says 404).
PATH = ("invalid-uuid", "nil-uuid", "path-traversal", "huge-int")
FOLLOW_LIMIT = 2          # flows followed to their commit per case (each costs a whole flow)


# Opening these ends the visitor's session (the quick exit's link works without script), so the
# walk leaves them to their own tests (tests/e2e/test_foundation_browser.py).
SIGNS_OUT = {"auth.quick_exit"}


@dataclass
class Found:
    """A form one principal was shown: the page it was on and the endpoint it posts to."""

    principal: tuple[str, str]
    page_endpoint: str
    page_args: dict            # arg → ("object", kind, variant) | ("value", literal)
    endpoint: str
    args: dict
    form: Form

    @property
    def key(self) -> tuple:
        """The form's identity whatever objects it is about (the wizard's step stays)."""
        literal = tuple(sorted((k, v[1]) for k, v in self.args.items()
                               if v[0] == "value" and k != "cell"))
        return (self.endpoint, literal)


class Walk(Checking):
    """Routes, principals, requests and forms: what the cases and the page attacks stand on."""

    def __init__(self, app, world: World):
        self.app = app
        self.world = world
        self.adapter = app.url_map.bind("localhost")
        self.rows = Rows(app)
        self.principals: dict[tuple[str, str], Principal] = {}
        self.found: dict[tuple, list[Found]] = {}
        self.visited: dict[str, dict[str, int]] = {}      # endpoint → principal → status
        self.queries: dict[str, dict[str, set[str]]] = {}  # GET endpoint → param → examples
        self.get_urls: dict[str, tuple[str, dict, str]] = {}  # endpoint → (principal, args, url)
        self.fills: dict[tuple, dict[str, tuple]] = {}
        self.figures = Counter()
        self.cases_done: set[tuple] = set()

    # ------------------------------------------------------------ routes

    def rules(self, method: str):
        for rule in self.app.url_map.iter_rules():
            if rule.endpoint != "static" and method in rule.methods:
                yield rule

    def access(self, endpoint: str):
        return getattr(self.app.view_functions[endpoint], "access", None)

    def match(self, url: str, method: str):
        """(endpoint, args) of a URL on this site, or None."""
        try:
            return self.adapter.match(urlsplit(url).path, method=method)
        except HTTPException:
            return None

    def principal(self, kind: str, state: str, renew: bool = False) -> Principal:
        """The principal of (kind, state); a new one if asked, or if an accepted POST made them
        someone else (signed in, signed out, erased)."""
        principal = self.principals.get((kind, state))
        if principal is not None and not renew and principal.drifted:
            principal.drifted = False
            renew = not intact(principal)
        if renew or principal is None:
            principal = self.principals[(kind, state)] = self.world.principal(kind, state)
        return principal

    # ------------------------------------------------------------ requests

    def _headers(self, principal: Principal, htmx: bool) -> dict:
        headers = {"X-CSRFToken": principal.csrf}
        if htmx:
            headers.update(HX)
        return headers

    def _after(self, principal: Principal, response) -> None:
        self.figures["requests"] += 1
        if response.mimetype == "text/html":
            token = re.search(r'"X-CSRFToken": "([^"]+)"', response.get_data(as_text=True))
            if token:
                principal.csrf = token.group(1)

    def get(self, principal: Principal, url: str, htmx: bool = False):
        response = principal.client.get(url, headers=self._headers(principal, htmx))
        self._after(principal, response)
        return response

    def post(self, principal: Principal, url: str, pairs, htmx: bool = False, **kwargs):
        if "json" not in kwargs and "data" not in kwargs:
            # The page's token is this principal's own (a form found as someone else is not).
            kwargs["data"] = MultiDict([(n, principal.csrf if n == "csrf_token" else v)
                                        for n, v in pairs])
        cookie = self.app.config["SESSION_COOKIE_NAME"]
        before = principal.client.get_cookie(cookie)
        response = principal.client.post(url, headers=self._headers(principal, htmx), **kwargs)
        self._after(principal, response)
        after = principal.client.get_cookie(cookie)
        # A new session (signed in or out, erased) may have made them someone else.
        principal.drifted = principal.drifted or (before and before.value) != (after and after.value)
        return response

    # ------------------------------------------------------------ forms

    def forms_of(self, response, url: str) -> list[Form]:
        if response.mimetype != "text/html":
            return []
        return parse(response.get_data(as_text=True), "http://localhost" + url).forms

    def main_form(self, forms: list[Form]) -> Form | None:
        """The page's own form: the POST form with the most fields (not sign-out or discard)."""
        candidates = [f for f in forms if f.method == "post" and (
            self.match(f.action, "POST") or ("",))[0] not in ("auth.logout", "participant.discard")]
        return max(candidates, key=lambda f: len(f.names()), default=None)

    def form_key(self, form: Form) -> tuple:
        matched = self.match(form.action, "POST") or ("?", {})
        endpoint, args = matched
        literal = tuple(sorted((k, str(v)) for k, v in args.items()
                               if k not in KIND_OF_ARG and k != "cell"))
        return (endpoint, literal)

    def baseline(self, form: Form, fills: dict[str, tuple] | None = None) -> list[tuple[str, str]]:
        """What a person sends: the form as shown, with the learned answers filled in."""
        fills = fills or {}
        pairs = [(n, v) for n, v in form.submitted() if n not in fills]
        for name, (how, items) in fills.items():
            if how == "options":
                options = form.options(name)
                pairs += [(name, options[i]) for i in items if i < len(options)]
            else:
                pairs += [(name, v) for v in items]
        return pairs

    def error_fields(self, response, form: Form) -> set[str]:
        """The fields a refused submission marked as wrong."""
        if response.mimetype != "text/html":
            return set()
        page = parse(response.get_data(as_text=True), "http://localhost/")
        names, ids = set(form.names()), {}
        for control in form.controls:
            if control.element_id:
                ids[control.element_id] = control.name
        marked = set()
        for tag, attributes in page.tags:
            if attributes.get("aria-invalid") == "true" and attributes.get("name"):
                marked.add(attributes["name"])
            element_id = attributes.get("id") or ""
            if tag == "p" and "error" in (attributes.get("class") or "") and \
                    element_id.endswith("-error"):
                base = element_id.removesuffix("-error")
                if base in names:
                    marked.add(base)
                elif base in ids:
                    marked.add(ids[base])
                else:
                    marked.update(n for n in names if base.startswith(n))
        return marked & names

    def guess(self, form: Form, name: str) -> str:
        kind, lowered = form.kind(name), name.lower()
        if kind == "password" or "password" in lowered:
            return PASSWORD
        if kind == "email" or "email" in lowered:
            return f"hostile-typed-{next(self.world.counter)}@example.org"
        if kind == "tel" or "phone" in lowered:
            return "403-555-0123"
        if kind == "url" or "url" in lowered:
            return "https://example.org/help"
        if kind == "date" or lowered.endswith(("_on", "_from", "_until")):
            return self.program_today()
        if kind == "number":
            return "10"
        if "zone" in lowered:
            return "America/Edmonton"
        if "code" in lowered:
            return "123456"
        return "Plain words"

    def program_today(self) -> str:
        """The program's today, the day its forms count from (not the UTC date every evening
        in the Americas)."""
        from portal.db import db
        from portal.services import calendar

        with self.world.app.app_context():
            return calendar.program_today(db.session).isoformat()

    def next_fill(self, form: Form, name: str, current: tuple | None) -> tuple | None:
        kind = form.kind(name)
        if kind in ("radio", "select", "select-multiple", "checkboxes", "checkbox", "button"):
            options = form.options(name)
            index = 0 if current is None else current[1][0] + 1
            return ("options", [index]) if index < len(options) else None
        if kind == "hidden":
            return None
        guess = self.guess(form, name)
        if current is None:
            return ("values", [guess])
        return ("values", [""]) if current == ("values", [guess]) else None

    def settle(self, principal: Principal, form: Form, report: Report | None = None):
        """Submit the form as a person would until it is accepted; learn the answers it needs."""
        key = self.form_key(form)
        fills = dict(self.fills.get(key, {}))
        response = None
        for _attempt in range(6):
            if report is not None:
                self.rows.before_request()
            pairs = self.baseline(form, fills)
            response = self.post(principal, form.action, pairs)
            if report is not None:
                self.check(report, principal, form, response,
                           f"{self.form_key(form)[0]} a valid submission", pairs)
            if response.status_code < 400:
                self.fills[key] = fills
                return response, True
            wrong = self.error_fields(response, form)
            if not wrong:
                break
            changed = False
            for name in sorted(wrong):
                fill = self.next_fill(form, name, fills.get(name))
                if fill is not None:
                    fills[name] = fill
                    changed = True
            if not changed:
                break
        self.fills.setdefault(key, fills)
        return response, False

    def open(self, principal: Principal, url: str, htmx: bool = False):
        """GET ``url``; when it sends the person back to an earlier step, answer that step first."""
        response = self.get(principal, url, htmx)
        for _step in range(12):
            if response.status_code not in REDIRECTS:
                return response
            target = local(response.headers["Location"])
            matched = self.match(target, "GET")
            if target == url or matched is None or matched[0].startswith("auth."):
                return response
            page = self.get(principal, target)
            step = next((f for f in self.forms_of(page, target)
                         if f.method == "post" and f.path == urlsplit(target).path), None)
            if step is None:
                return response
            _answer, accepted = self.settle(principal, step)
            if not accepted:
                return response
            response = self.get(principal, url, htmx)
        return response

    # ------------------------------------------------------------ discovery

    def urls_for(self, rule, principal: Principal, objects: dict):
        """Each URL of ``rule``: converters filled with objects of every state (or their values)."""
        kinds = sorted({KIND_OF_ARG[a] for a in rule.arguments if a in KIND_OF_ARG})
        literal = {}
        for arg in rule.arguments:
            converter = rule._converters[arg]
            if arg in KIND_OF_ARG:
                continue
            if isinstance(converter, AnyConverter):
                literal[arg] = sorted(converter.items)
            elif isinstance(converter, IntegerConverter):
                literal[arg] = ["0"]
            else:
                return
        for variants in itertools.product(*(VARIANTS[k] for k in kinds)):
            values, described = {}, {}
            for kind, variant in zip(kinds, variants, strict=True):
                if (kind, variant) not in objects:
                    objects[(kind, variant)] = self.world.make(kind, variant, principal)
                values.update(objects[(kind, variant)])
            for arg in rule.arguments:
                if arg in KIND_OF_ARG:
                    described[arg] = ("object",) + self.world.registry[values[arg]]
            for combo in itertools.product(*literal.values()):
                extra = dict(zip(literal, combo, strict=True))
                args = {a: values[a] for a in rule.arguments if a in values} | extra
                url = self.adapter.build(rule.endpoint, args, method="GET")
                yield url, described | {a: ("value", v) for a, v in extra.items()}

    def describe(self, args: dict) -> dict:
        described = {}
        for arg, value in args.items():
            if arg in KIND_OF_ARG:  # one the world did not make is taken as its first state
                kind = KIND_OF_ARG[arg]
                known = self.world.registry.get(str(value), (kind, VARIANTS[kind][0]))
                described[arg] = ("object",) + known
            else:
                described[arg] = ("value", str(value))
        return described

    def discover(self) -> None:
        for kind, state in PRINCIPALS:
            principal = self.principal(kind, state)
            objects: dict = {}
            for rule in self.rules("POST"):  # what lists and pages show, POST-only kinds too
                if principal.may_open(self.access(rule.endpoint)):
                    for kind_ in {KIND_OF_ARG[a] for a in rule.arguments if a in KIND_OF_ARG}:
                        for variant in VARIANTS[kind_]:
                            if (kind_, variant) not in objects:
                                objects[(kind_, variant)] = self.world.make(kind_, variant,
                                                                            principal)
            for rule in self.rules("GET"):
                if not principal.may_open(self.access(rule.endpoint)) \
                        or rule.endpoint in SIGNS_OUT:
                    continue
                for url, page_args in list(self.urls_for(rule, principal, objects)):
                    self.visit(principal, rule.endpoint, url, page_args)

    def visit(self, principal: Principal, endpoint: str, url: str, page_args: dict) -> None:
        response = self.open(principal, url)
        if response.status_code in REDIRECTS:  # where a redirect sends its parameters (next=…)
            self._note_query(local(response.headers["Location"]))
        seen = self.visited.setdefault(endpoint, {})
        seen[principal.name] = min(seen.get(principal.name, 999), response.status_code)
        if response.status_code < 400:
            self.get_urls.setdefault(endpoint, (principal.name, page_args, url))
        if response.mimetype != "text/html":
            return
        page = parse(response.get_data(as_text=True), "http://localhost" + url)
        for link, _htmx in page.links:
            self._note_query(link)
        for form in page.forms:
            method = "POST" if form.method == "post" else "GET"
            matched = self.match(form.action, method)
            if matched is None:
                continue
            if method == "GET":
                params = self.queries.setdefault(matched[0], {})
                for name in form.names():
                    params.setdefault(name, set()).update(form.value(name))
                continue
            post_endpoint, args = matched
            found = Found((principal.kind, principal.state), endpoint, page_args, post_endpoint,
                          self.describe(args), form)
            same = self.found.setdefault(found.key, [])
            if all(f.principal != found.principal for f in same):
                same.append(found)

    def _note_query(self, link: str) -> None:
        parts = urlsplit(link)
        matched = self.match(link, "GET")
        if matched is None or not parts.query:
            return
        params = self.queries.setdefault(matched[0], {})
        for pair in parts.query.split("&"):
            name, _sep, value = pair.partition("=")
            params.setdefault(name, set()).add(value)

    def fresh_args(self, described: dict, principal: Principal) -> dict:
        """Converter values: literals as they were, objects made anew in the same state."""
        made: dict = {}
        args = {}
        for arg, how in described.items():
            if how[0] == "value":
                args[arg] = how[1]
                continue
            kind, variant = how[1], how[2]
            if (kind, variant) not in made:
                made[(kind, variant)] = self.world.make(kind, variant, principal)
            args[arg] = made[(kind, variant)][arg]
        return args


