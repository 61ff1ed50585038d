"""Read a page like a browser does: its forms (and htmx-posting elements), their controls, links.

Only the standard library's ``html.parser``: what the test submits is what the page offers,
never a hand-kept list of field names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

TEXT_KINDS = {"text", "textarea", "email", "tel", "url", "search"}
CHOICE_KINDS = {"checkbox", "radio", "select"}
IGNORED_INPUTS = {"submit", "button", "reset", "image", "file"}


@dataclass
class Control:
    """One named control: its kind, its value (or option value), whether it is on."""

    name: str
    kind: str                   # text, textarea, password, email, tel, url, date, number,
    value: str = ""             # hidden, checkbox, radio, select, button
    checked: bool = False
    options: list[str] = field(default_factory=list)   # select: option values
    selected: list[str] = field(default_factory=list)  # select: selected option values
    multiple: bool = False
    element_id: str | None = None


@dataclass
class Form:
    """A form as a browser would submit it; ``action`` is a path with its query string."""

    method: str
    action: str
    htmx: bool
    controls: list[Control] = field(default_factory=list)

    @property
    def path(self) -> str:
        return urlsplit(self.action).path

    def names(self) -> list[str]:
        """Every field name in page order (named submit buttons too), without the CSRF token."""
        seen: list[str] = []
        for control in self.controls:
            if control.name != "csrf_token" and control.name not in seen:
                seen.append(control.name)
        return seen

    def group(self, name: str) -> list[Control]:
        """The controls of ``name``; buttons only when nothing else carries the name."""
        controls = [c for c in self.controls if c.name == name]
        return [c for c in controls if c.kind != "button"] or controls

    def kind(self, name: str) -> str:
        """The kind of a field; several checkboxes of one name are a ``checkboxes`` group."""
        group = self.group(name)
        kinds = {c.kind for c in group}
        if kinds == {"checkbox"} and len(group) > 1:
            return "checkboxes"
        if kinds == {"select"} and group[0].multiple:
            return "select-multiple"
        return group[0].kind

    def options(self, name: str) -> list[str]:
        """The values a person can choose for a choice field."""
        group = self.group(name)
        if group and group[0].kind == "select":
            return [o for o in group[0].options if o != ""]
        return [c.value for c in group if c.kind in ("checkbox", "radio", "button")]

    def submitted(self) -> list[tuple[str, str]]:
        """The (name, value) pairs a browser sends for the form as shown."""
        pairs = []
        for c in self.controls:
            if c.kind == "button":
                continue
            if c.kind in ("checkbox", "radio"):
                if c.checked:
                    pairs.append((c.name, c.value or "on"))
            elif c.kind == "select":
                chosen = c.selected or ([] if c.multiple or not c.options else c.options[:1])
                pairs.extend((c.name, v) for v in chosen)
            else:
                pairs.append((c.name, c.value))
        return pairs

    def value(self, name: str) -> list[str]:
        return [v for n, v in self.submitted() if n == name]


class _Parser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.links: set[tuple[str, bool]] = set()   # (url, via htmx)
        self.tags: list[tuple[str, dict[str, str | None]]] = []  # every start tag, for checks
        self.script_text: list[str] = []
        self._form: Form | None = None
        self._textarea: Control | None = None
        self._select: Control | None = None
        self._option: tuple[str | None, bool] | None = None
        self._option_text = ""
        self._in_script = False

    def _url(self, value: str | None) -> str:
        return urljoin(self.page_url, value or self.page_url)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script":
            self._in_script = True
        for key in ("href", "hx-get"):
            target = attributes.get(key)
            if target and target.startswith("/") and not target.startswith("//"):
                self.links.add((self._url(target), key == "hx-get"))
        if tag == "form":
            method = (attributes.get("method") or "get").lower()
            action = attributes.get("hx-post") or attributes.get("action")
            self._form = Form(method=method, action=self._url(action),
                              htmx="hx-post" in attributes or "hx-get" in attributes)
            self.forms.append(self._form)
            return
        if "hx-post" in attributes and tag != "form":
            self.forms.append(self._htmx_element(attributes))
        if self._form is None:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind in IGNORED_INPUTS:
                if kind == "submit":
                    self._form.controls.append(Control(name, "button", attributes.get("value") or ""))
                return
            self._form.controls.append(Control(
                name, kind, attributes.get("value") or "", checked="checked" in attributes,
                element_id=attributes.get("id")))
        elif tag == "button" and name:
            if (attributes.get("type") or "submit").lower() == "submit":
                self._form.controls.append(Control(name, "button", attributes.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea = Control(name, "textarea", element_id=attributes.get("id"))
            self._form.controls.append(self._textarea)
        elif tag == "select" and name:
            self._select = Control(name, "select", multiple="multiple" in attributes,
                                   element_id=attributes.get("id"))
            self._form.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = (attributes.get("value"), "selected" in attributes)
            self._option_text = ""

    def _htmx_element(self, attributes) -> Form:
        """An element that posts by itself (hx-post, hx-vals): a form of its own."""
        form = Form(method="post", action=self._url(attributes["hx-post"]), htmx=True)
        values = json.loads(attributes.get("hx-vals") or "{}")
        params = attributes.get("hx-params")
        if attributes.get("name") and params in (None, "*", attributes.get("name")):
            form.controls.append(Control(attributes["name"], "hidden", attributes.get("value") or ""))
        for key, value in values.items():
            form.controls.append(Control(key, "hidden", str(value)))
        return form

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
        elif tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value, selected = self._option
            value = self._option_text.strip() if value is None else value
            self._select.options.append(value)
            if selected:
                self._select.selected.append(value)
            self._option = None

    def handle_data(self, data):
        if self._in_script:
            self.script_text.append(data)
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option_text += data

    def close(self):
        super().close()
        for form in self.forms:
            for control in form.controls:
                if control.kind == "textarea" and control.value.startswith(("\r\n", "\n")):
                    # A browser drops one newline right after <textarea>.
                    control.value = control.value[2:] if control.value.startswith("\r\n") \
                        else control.value[1:]


@dataclass
class Page:
    forms: list[Form]
    links: set[tuple[str, bool]]
    tags: list[tuple[str, dict[str, str | None]]]
    script_text: str


@lru_cache(maxsize=256)
def parse(html: str, page_url: str) -> Page:
    """The page's forms, links and tags. A fifth of the walk's pages come back byte for byte
    (a page opened again to find its form, the same refusal twice), so each is parsed once;
    nothing changes a Page after it is parsed, so sharing one is safe."""
    parser = _Parser(page_url)
    parser.feed(html)
    parser.close()
    return Page(parser.forms, parser.links, parser.tags, "".join(parser.script_text))


def local(url: str) -> str:
    """The path and query of a URL on this site."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
