"""Hostile input on every route, as every kind of person, with every answer checked.

Routes come from ``app.url_map``: a new POST route whose form no page shows fails here until a
page shows it (or the world learns to make the objects it needs, tests/security/world.py), or
it is put on SKIP with a reason. For each form and each htmx endpoint: curated hostile values
(script tags, attribute breakers, SQL, NUL, CR/LF, 100k strings, RTL/zero-width/emoji/combining
marks, path traversal, ``javascript:``, template and format syntax, out-of-range numbers and
dates, invalid UUIDs), duplicates, lists, missing and extra fields, foreign ids, and
hypothesis text with a fixed seed. Every answer: no 5xx; nothing reflected unescaped; no
redirect off the site; a refused submission changes no row and shows the form again with a
message and what was typed; an accepted one stores what was typed. The figures go to the
terminal summary and to the pytest cache (``hostile_inputs/figures``) for SECURITY.md.
"""

from __future__ import annotations

import base64
import secrets
import tempfile
import time

import pytest
import redis as redis_lib

from portal import create_app
from tests.conftest import PASSWORD, app_config, fresh_database_url, running_app
from tests.security import FIGURES
from tests.security import payloads as hostile
from tests.security.battery import Case
from tests.security.checks import Report
from tests.security.harness import Walk
from tests.security.pages import attack_page
from tests.security.world import PRINCIPALS, World


def _routes() -> tuple[list[str], list[str], int]:
    """POST and GET endpoints of the real URL map (an app built only to read it)."""
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    with tempfile.TemporaryDirectory() as instance, pytest.MonkeyPatch.context() as patch:
        patch.setenv("PORTAL_INSTANCE", instance)
        app = create_app({"ENV_NAME": "testing", "SECRET_KEY": secrets.token_urlsafe(48),
                          "DATA_KEYS": f"k:{key}", "BLIND_INDEX_KEY": key,
                          "AUDIT_KEY": f"a:{key}",
                          "DATABASE_URL": "sqlite://", "REDIS_URL": "redis://127.0.0.1:1/0"})
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    posts = sorted({r.endpoint for r in rules if "POST" in r.methods})
    gets = sorted({r.endpoint for r in rules if "GET" in r.methods})
    return posts, gets, len(rules)


POST_ENDPOINTS, GET_ENDPOINTS, RULES = _routes()
# POST routes the walk may leave alone, each with the reason.
SKIP: dict[str, str] = {
    "auth.quick_exit": "no form: the exit link and its beacon sign out; tests/e2e covers it",
    # Reached only through a link emailed to someone (a signed token in the path): their bad
    # input, tampered and reused links are tested where they are built.
    "auth.reset": "an emailed link: tests/foundation/test_recovery.py",
    "auth.confirm_email": "an emailed link: tests/foundation/test_recovery.py",
    "participant.confirm_address": "an emailed link: tests/participant/test_address_check.py",
    # JSON ceremonies driven by the browser's WebAuthn API, not HTML forms.
    "auth.passkey_sign_in_options": "WebAuthn JSON: tests/foundation/test_passkey_views.py",
    "auth.passkey_sign_in": "WebAuthn JSON: tests/foundation/test_passkey_views.py",
    "auth.passkey_register": "WebAuthn JSON (the label rides with the browser's credential): "
                             "tests/foundation/test_passkey_views.py",
    "auth.passkey_register_options": "WebAuthn JSON: tests/foundation/test_passkey_views.py",
    "auth.passkey_confirm_options": "WebAuthn JSON: tests/foundation/test_passkey_views.py",
    "auth.passkey_remove_confirmed": "WebAuthn JSON: tests/foundation/test_passkey_views.py",
    "auth.passkey_remove": "needs a registered passkey: tests/foundation/test_passkey_views.py",
    # Shown only in states the walk's world does not make yet.
    "admin.reactivate_staff": "a deactivated account: tests/admin/test_staff_accounts.py",
    "admin.restore_list_entry": "a retired list entry: tests/admin/test_program_list_pages.py",
    # One button, no field: the click changes the page under it (retired, the entry shows
    # "Offer it again"; moved, it loses "Earlier" at the top), so its form is not found again.
    "admin.retire_list_entry": "no field, the page changes under it: tests/admin/"
                               "test_program_list_pages.py",
    "admin.move_list_entry": "no field, the page changes under it: tests/admin/"
                             "test_program_list_pages.py",
    # One click that signs another staff member out everywhere: the row (and the walk's own
    # principals) change under it. Bad ids, the last-admin guard and roles are tested there.
    "admin.deactivate_staff": "ends a staff account's sessions: tests/admin/test_staff_accounts.py",
    "admin.reset_staff_second_step": "ends a staff account's sessions: tests/admin/"
                                     "test_staff_accounts.py",
    "admin.send_staff_password_link": "ends a staff account's sessions: tests/admin/"
                                      "test_staff_accounts.py",
    "auth.answer_pulse": "a question due: tests/participant/test_outcome_pulse.py",
    "coordinator.invite_participant": "a request entered with an email: tests/coordinator/"
                                      "test_entry.py",
    "coordinator.take_on_debrief": "a debrief asked for: tests/volunteers/test_care.py",
}
# GET routes no principal can open with a 2xx (shown only once, right after something else).
SKIP_GET = {
    "auth.recovery_codes": "shown once, straight after the authenticator is set up",
    "auth.quick_exit": "signs the visitor out and leaves the site; tests/e2e covers it",
    "auth.reset": "an emailed link: tests/foundation/test_recovery.py",
    "auth.confirm_email": "an emailed link: tests/foundation/test_recovery.py",
    "participant.confirm_address": "an emailed link: tests/participant/test_address_check.py",
    "auth.passkey_remove": "needs a registered passkey: tests/foundation/test_passkey_views.py",
}
# Forms no generated answer can pass, so acceptance cannot be checked.
NEVER_ACCEPTED = {
    "auth.login": "the walk signs in with an email no account has",
    "auth.mfa_verify": "a valid code comes only from the authenticator",
    "auth.mfa_setup": "a valid code comes only from the authenticator",
}


@pytest.fixture(scope="module")
def cheap_passwords():
    """argon2 at its cheapest for this module: thousands of sign-ins and new accounts, where
    hashing strength is not what is tested (tests/foundation/test_auth.py checks that)."""
    from argon2 import PasswordHasher

    from portal.security import passwords

    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", hasher)
        patch.setattr(passwords, "_DUMMY_HASH", hasher.hash("not-a-real-password"))
        yield hasher.hash(PASSWORD)


@pytest.fixture(scope="module")
def walk(request, migrated_database, redis_url, tmp_path_factory, cheap_passwords):
    directory = tmp_path_factory.mktemp("hostile")
    config = app_config(fresh_database_url(migrated_database, directory), redis_url)
    started = time.monotonic()
    with running_app(config, directory / "instance") as app:
        walk = Walk(app, World(app, cheap_passwords))
        walk.discover()
        walk.figures["discovery seconds"] = round(time.monotonic() - started, 1)
        yield walk
    redis_lib.Redis.from_url(redis_url).flushdb()
    figures = dict(walk.figures)
    figures.update({
        "routes (rules) in the URL map": RULES,
        "POST endpoints": len(POST_ENDPOINTS), "GET endpoints": len(GET_ENDPOINTS),
        "principals": len(PRINCIPALS), "sign-ins": walk.world.logins,
        "forms found (endpoint, step)": len(walk.found),
        "principal × route pairs checked": len(walk.cases_done),
        "hostile inputs tried (POST + GET)": walk.figures["hostile POSTs"]
        + walk.figures["hostile GETs"],
        "curated payloads": len(hostile.PAYLOADS),
        "seconds": round(time.monotonic() - started, 1),
    })
    request.config.stash[FIGURES] = figures
    cache = getattr(request.config, "cache", None)  # None with -p no:cacheprovider
    if cache is not None:
        cache.set("hostile_inputs/figures", figures)


def test_every_route_is_found_and_opened(walk):
    """Discovery reaches every POST route's form and opens every GET route as someone."""
    endpoints = {key[0] for key in walk.found}
    unreached = [e for e in POST_ENDPOINTS if e not in endpoints and e not in SKIP]
    assert not unreached, (
        f"no page shows a form posting to {unreached} to any principal: show it on a page, "
        f"teach tests/security/world.py to make the objects it needs, or add it to SKIP "
        f"with the reason")
    unopened = [e for e in GET_ENDPOINTS if e not in SKIP_GET and not any(
        status < 400 for status in walk.visited.get(e, {}).values())]
    assert not unopened, f"no principal could open {unopened}: {[walk.visited.get(e) for e in unopened]}"


def _problems_text(problems: list[str]) -> str:
    shown = "\n  ".join(problems[:40])
    more = f"\n  … and {len(problems) - 40} more" if len(problems) > 40 else ""
    return f"{len(problems)} problem(s):\n  {shown}{more}"


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_hostile_submissions_are_refused_or_stored_as_typed(walk, endpoint):
    if endpoint in SKIP:
        pytest.skip(SKIP[endpoint])
    groups = [found for key, found in walk.found.items() if key[0] == endpoint]
    assert groups, f"no page shows a form posting to {endpoint} (see the discovery test)"
    problems: list[str] = []
    for found in groups:
        order = [f"{k}:{s}" for k, s in PRINCIPALS]
        found = sorted(found, key=lambda f: order.index(":".join(f.principal)))
        for index, each in enumerate(found):
            case = Case(walk, each, full=index == 0)
            report = case.run()
            walk.cases_done.add((":".join(each.principal), endpoint))
            problems += report.problems
            if index == 0 and report.accepted == 0 and endpoint not in NEVER_ACCEPTED:
                problems.append(f"{endpoint} as {':'.join(each.principal)}: no submission was "
                                f"ever accepted, so storage went unchecked")
            if index == 0 and case.form is not None:
                problems += _denied(walk, endpoint, case)
    assert not problems, _problems_text(problems)


def _denied(walk: Walk, endpoint: str, case: Case) -> list[str]:
    """One principal of each kind the route is not for: refused, nothing changed."""
    access = walk.access(endpoint)
    report = Report()
    kinds = {}
    for kind, state in PRINCIPALS:
        kinds.setdefault(kind, state)
    script = hostile.PAYLOADS[0].value
    pairs = [(n, script if n in case.text_names() else v) for n, v in case.baseline()]
    for kind, state in kinds.items():
        principal = walk.principal(kind, state)
        if principal.may_open(access):
            continue
        walk.cases_done.add((principal.name, endpoint))
        walk.rows.before_request()
        response = walk.post(principal, case.form.action, pairs)
        walk.check(report, principal, case.form, response, f"{endpoint} (not theirs)", pairs)
        if response.status_code not in (302, 303, 403):
            report.add(f"{principal.name} {endpoint} (not theirs) → {response.status_code}")
    return report.problems


@pytest.mark.parametrize("endpoint", GET_ENDPOINTS)
def test_hostile_query_and_path_values_on_pages_and_fragments(walk, endpoint):
    if endpoint not in walk.get_urls:
        pytest.skip(SKIP_GET.get(endpoint, "no principal opens it (see the discovery test)"))
    report = Report()
    attack_page(walk, endpoint, report)
    walk.cases_done.add((walk.get_urls[endpoint][0], endpoint))
    assert not report.problems, _problems_text(report.problems)


def test_no_stored_hostile_value_is_shown_raw_on_any_page(walk):
    """After the submissions above, every page as every principal escapes what was stored."""
    report = Report()
    values = [p.value for p in hostile.PAYLOADS]
    for kind, state in PRINCIPALS:
        principal = walk.principal(kind, state)
        for endpoint, (_name, _args, url) in walk.get_urls.items():
            if not principal.may_open(walk.access(endpoint)):
                continue
            response = walk.get(principal, url)
            walk.check_get(report, principal, f"{endpoint} (stored values)", response, values)
    assert not report.problems, _problems_text(report.problems)
