"""Hostile values, and the checks that a response neither reflects one raw nor breaks.

Each markup payload carries a marker (``hx01``…) so a reflection can be told from the page's own
markup: escaped, ``<svg onload=alert('hx02')>`` shows as text; raw, it would be an element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from tests.security.html_forms import parse


@dataclass(frozen=True)
class Payload:
    key: str
    value: str
    groups: frozenset[str] = frozenset({"text"})  # which kinds of field get it


def _p(key, value, *groups):
    return Payload(key, value, frozenset(groups or ("text",)))


ALL = ("text", "choice", "number", "date", "path")
PAYLOADS = [
    _p("script", "<script>alert('hx01')</script>", *ALL),
    _p("attribute-breaker", "\"'><svg onload=alert('hx02')>", *ALL),
    _p("img-onerror", "<img src=x onerror=alert('hx03')>", "text"),
    _p("event-attribute", "\" autofocus onfocus=\"alert('hx04')", "text"),
    _p("javascript-url", "javascript:alert('hx05')", "text"),
    _p("sql-quote", "' OR '1'='1' -- hx06", "text", "number", "date", "path", "choice"),
    _p("sql-statement", "1; DROP TABLE intake; -- hx07", "text", "number"),
    _p("nul-byte", "hx08\x00after", *ALL),
    _p("cr-lf", "hx09\r\nSet-Cookie: injected=1", "text", "path"),
    _p("newlines", "line one hx10\nline two\n\nline four", "text"),
    _p("very-long", "hx11" + "x" * 100_000, *ALL),
    _p("rtl-override", "hx12 \u202egnp.exe\u202c", "text"),
    _p("zero-width", "hx13\u200b\u200c\u200d\u2060\ufeff", "text"),
    _p("emoji", "hx14 \U0001f642\U0001f9d1\u200d\u2696\ufe0f\U0001f3f3\ufe0f\u200d\U0001f308",
       "text"),
    _p("combining-marks", "hx15 Z\u0351\u0364\u0300a\u0308\u0301\u0489l\u0335\u0358g\u0336o",
       "text"),
    _p("path-traversal", "../../../../etc/passwd%00hx16", "text", "path"),
    _p("template-expression", "{{ 7*191 }}hx17", "text", "path"),
    _p("template-block", "{% for x in range(3) %}hx18{% endfor %}{# c #}", "text"),
    _p("format-string", "%s%n%x{0}{hx19}%(name)s", "text", "number"),
    _p("control-chars", "hx20\x01\x07\x1b[31m\x7f", "text"),
    _p("html-entities", "&lt;b&gt;hx21&amp;&#0;", "text"),
    _p("unicode-line-breaks", "hx22\u2028\u2029\x85end", "text"),
    _p("header-injection", "hx23@example.org\r\nBcc: victim@example.org", "text"),
    _p("negative", "-1", "number", "date"),
    _p("huge-int", "99999999999999999999999999", "number", "path", "choice"),
    _p("below-int64", "-9223372036854775809", "number"),
    _p("float", "1e308", "number"),
    _p("not-a-number", "NaN", "number"),
    _p("invalid-uuid", "00000000-0000-0000-0000-00000000000g", "choice", "path"),
    _p("nil-uuid", "00000000-0000-0000-0000-000000000000", "path"),
    _p("far-future-date", "9999-12-31", "date", "text"),
    _p("ancient-date", "0001-01-01", "date"),
    _p("impossible-date", "2026-02-30", "date"),
    _p("off-site", "//evil.example/hx26", "path"),
    _p("off-site-tab", "/\t/evil.example/hx27", "path"),
    _p("empty", "", *ALL),
    _p("only-spaces", "   \t  ", "text", "date"),
]
MARKER = re.compile(r"hx\d\d")
# Mass assignment: names a form does not offer, which must never reach a row.
EXTRA_FIELDS = [("role", "admin"), ("is_admin", "1"), ("state", "active"), ("id", "1"),
                ("participant_id", "00000000-0000-4000-8000-000000000001"),
                ("user_id", "00000000-0000-4000-8000-000000000001"), ("__proto__", "x")]


# What goes into each query parameter of a page (a shorter list: pages take no forms' bounds).
QUERY = ("script", "attribute-breaker", "event-attribute", "javascript-url", "sql-quote",
         "nul-byte", "cr-lf", "very-long", "template-expression", "huge-int", "far-future-date",
         "invalid-uuid", "off-site", "off-site-tab", "empty")


def for_group(group: str) -> list[Payload]:
    return [p for p in PAYLOADS if group in p.groups]


def for_query() -> list[Payload]:
    return [p for p in PAYLOADS if p.key in QUERY]


def _telltales(value: str) -> list[str]:
    """Pieces of a value that only appear in a page if the value was not escaped."""
    pieces = []
    for match in re.finditer(r"<[a-zA-Z/!][^<]*", value):
        piece = match.group(0)
        cut = MARKER.search(piece)
        if cut:  # the page's own markup has no marker: only a piece with one tells
            pieces.append(piece[: cut.end()])
    if '"' in value and MARKER.search(value):
        pieces.append(value[: value.index('"') + 1] + value[value.index('"') + 1:][:30])
    return [p for p in pieces if len(p) >= 6]


def reflection_problems(body: str, sent: list[str], page=None) -> list[str]:
    """What in ``body`` shows one of the ``sent`` values unescaped (or evaluated)."""
    problems = []
    for value in sent:
        for piece in _telltales(value):
            if piece in body:
                problems.append(f"raw {piece[:60]!r} in the page")
        if "{{ 7*191 }}" in value and "1337hx17" in body:
            problems.append("template syntax was evaluated (1337hx17)")
        if "&lt;b&gt;hx21" in value and "<b>hx21" in body:
            problems.append("an entity-encoded value was decoded into markup (<b>hx21)")
        if "{% for" in value and "hx18hx18" in body:
            problems.append("template block was evaluated (hx18hx18)")
    markers = {m for value in sent for m in MARKER.findall(value)}
    markers = {m for m in markers if m in body}  # a marker not on the page cannot be misplaced
    if not markers:
        return problems
    page = page or parse(body, "http://localhost/")
    for tag, attributes in page.tags:
        for name, attribute in attributes.items():
            if any(m in name for m in markers):
                problems.append(f"a value broke out into an attribute name on <{tag}>: {name!r}")
            if attribute is None or not any(m in attribute for m in markers):
                continue
            if name.startswith(("on", "hx-on")):
                problems.append(f"a value reached the event handler {name!r} of <{tag}>")
            if name in ("href", "src", "action", "formaction", "hx-get", "hx-post") and \
                    attribute.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                problems.append(f"a value became a {attribute[:20]!r} URL in <{tag} {name}>")
        if tag in ("script", "svg", "img", "iframe") and any(
                m in (attributes.get("src") or "") + (attributes.get("onload") or "") for m in markers):
            problems.append(f"a value made a <{tag}> element")
    if any(m in page.script_text for m in markers):
        problems.append("a value reached the text of a <script> element")
    return problems


def redirect_problems(headers) -> list[str]:
    """A redirect (plain or htmx) must stay on this site."""
    problems = []
    for name in ("Location", "HX-Redirect", "HX-Location", "HX-Push-Url"):
        target = headers.get(name)
        if not target:
            continue
        parts = urlsplit(target)
        if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "localhost"):
            problems.append(f"{name} leaves the site: {target[:80]!r}")
    return problems
