"""Pages and fragments (GET routes): hostile values in every query parameter and path value."""

from __future__ import annotations

import itertools
from urllib.parse import quote, urlencode

from tests.security import payloads as hostile
from tests.security.checks import Report
from tests.security.harness import LIGHT, PATH, Walk


def attack_page(walk: Walk, endpoint: str, report: Report) -> None:
    """Hostile values in each query parameter and path argument of a page or fragment."""
    principal_name, page_args, _url = walk.get_urls[endpoint]
    principal = walk.principal(*principal_name.split(":"))
    rule = next(walk.app.url_map.iter_rules(endpoint))
    args = walk.fresh_args(page_args, principal)
    url = walk.adapter.build(endpoint, args, method="GET")
    params = dict(walk.queries.get(endpoint, {}))
    tried = itertools.count()
    for name in params or ["q"]:  # a page that reads no parameter still meets one
        for payload in (hostile.for_query() if params else
                        [p for p in hostile.PAYLOADS if p.key in LIGHT]):
            target = f"{url}?{urlencode({name: payload.value})}"
            response = walk.open(principal, target, htmx=next(tried) % 2 == 1)
            walk.check_get(report, principal, f"{endpoint}?{name}={payload.key}", response,
                           [payload.value])
    for arg in rule.arguments:
        for payload in hostile.for_group("path"):
            if payload.key not in LIGHT + PATH:
                continue
            value = quote(payload.value[:2000], safe="")
            target = with_path_value(url, str(args[arg]), value)
            response = walk.get(principal, target)
            walk.check_get(report, principal, f"{endpoint}<{arg}>={payload.key}", response,
                           [payload.value])
        if page_args.get(arg, ("value",))[0] == "object":
            kind = page_args[arg][1]
            other = walk.world.other(kind, principal)
            target = walk.adapter.build(endpoint, {**args, **other}, method="GET")
            response = walk.get(principal, target)
            walk.check_get(report, principal, f"{endpoint}<{arg}>=someone else's", response, [])
            if response.status_code not in (403, 404):
                report.add(f"{principal.name} GET another's {kind} → {response.status_code}")


def with_path_value(url: str, current: str, value: str) -> str:
    """``url`` with its path segment ``current`` (the last one) replaced by ``value``."""
    head, _sep, tail = url.rpartition(f"/{current}")
    return f"{head}/{value}{tail}"
