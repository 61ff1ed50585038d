"""The half-finished request, kept in the server-side session until it is sent or abandoned.

The session lives encrypted in the database and ends after SESSION_IDLE_MINUTES without use,
so an abandoned draft goes with it: that idle limit is the draft's time to live. Nothing
reaches the intake tables before the final step. Passwords are never kept here.
"""

from __future__ import annotations

import secrets

from flask import session
from werkzeug.datastructures import MultiDict

from portal.intake_steps import STEPS

KEY = "request_draft"
SAFETY = "safety"
CONSENT = "consent"
ORDER = (SAFETY, *STEPS, CONSENT)


def load() -> dict:
    """The current draft, or an empty one (not yet saved)."""
    return session.get(KEY) or {"token": secrets.token_urlsafe(32), "urgent": False,
                                "steps": {}, "done": []}


def save(draft: dict) -> None:
    # Reassign the whole dict: the session only notices top-level changes.
    session[KEY] = draft


def discard() -> None:
    session.pop(KEY, None)


def exists() -> bool:
    return KEY in session


def entries(draft: dict, step: str) -> MultiDict | None:
    """What was typed on ``step``, as form data, or None if the step was never visited."""
    kept = draft["steps"].get(step)
    return None if kept is None else MultiDict([(k, v) for k, vs in kept.items() for v in vs])


def keep(draft: dict, step: str, formdata, names: list[str], *, complete: bool) -> None:
    """Remember exactly what was typed on ``step`` (valid or not) and whether it is complete."""
    draft["steps"][step] = {name: formdata.getlist(name) for name in names}
    done = set(draft["done"]) - {step}
    if complete:
        done.add(step)
        if draft.get("recheck") == step:
            del draft["recheck"]
    draft["done"] = [name for name in ORDER if name in done]
    save(draft)


def recheck(draft: dict, step: str) -> None:
    """Send the person back to ``step``, whose answers no longer pass, with its errors shown."""
    draft["recheck"] = step
    draft["done"] = [name for name in draft["done"] if name != step]
    save(draft)


def answer_safety(draft: dict, in_danger: bool) -> None:
    """Record the safety answer; once someone says yes, the request stays urgent."""
    # Sticky on purpose: a coordinator looking early at a request costs little;
    # missing someone who said they were in danger could cost a great deal.
    draft["urgent"] = draft["urgent"] or in_danger
    draft["in_danger"] = in_danger
    draft["done"] = sorted(set(draft["done"]) | {SAFETY}, key=ORDER.index)
    save(draft)


def first_incomplete(draft: dict, before: str = CONSENT) -> str | None:
    """The first step before ``before`` not yet completed, or None when all are."""
    for name in ORDER[: ORDER.index(before)]:
        if name not in draft["done"]:
            return name
    return None


def neighbours(step: str) -> tuple[str | None, str | None]:
    """The steps before and after ``step``."""
    index = ORDER.index(step)
    previous = ORDER[index - 1] if index > 0 else None
    following = ORDER[index + 1] if index + 1 < len(ORDER) else None
    return previous, following
