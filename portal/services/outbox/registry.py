"""Every job kind in one place: the RQ queue that carries it and the handler that runs it.

Handlers are named, not imported, so the web never loads the workers' code (nor the numeric
stack the matching jobs need); the worker's runtime resolves a name when the job runs.
Adding a job kind is one line here and its handler in ``workers.jobs``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

URGENT_QUEUE = "urgent"  # every worker serves it first; the mail lane serves little else
# The order every worker serves its queues in: urgent first, whatever it was given.
QUEUE_ORDER = (URGENT_QUEUE, "mail", "matching", "default")
# Seconds RQ gives one job before ending it: mail must stay well inside its claim lease.
JOB_TIMEOUTS = {URGENT_QUEUE: 120, "mail": 120, "matching": 600, "default": 600}
MAIL_JOB_TIMEOUT = JOB_TIMEOUTS["mail"]


@dataclass(frozen=True)
class JobKind:
    queue: str
    handler: str  # "module:function", called as handler(session, ref)


KINDS: dict[str, JobKind] = {
    "send_notification": JobKind("mail", "workers.jobs.notifications:send_notification"),
    "send_invitation": JobKind("mail", "workers.jobs.invitations:send_invitation"),
    "send_address_check": JobKind("mail", "workers.jobs.address_checks:send_address_check"),
    "send_password_reset": JobKind("mail", "workers.jobs.account_mail:send_password_reset"),
    "send_email_change": JobKind("mail", "workers.jobs.account_mail:send_email_change"),
    "send_address_notice": JobKind("mail", "workers.jobs.account_mail:send_address_notice"),
    "announce_request": JobKind("mail", "workers.jobs.notifications:announce_request"),
    "suggest_for_intake": JobKind("matching", "workers.jobs.matching:suggest_for_intake"),
    "recompute_waiting": JobKind("matching", "workers.jobs.matching:recompute_waiting"),
    "recompute_for_volunteer": JobKind("matching", "workers.jobs.matching:recompute_for_volunteer"),
    "plan_assignment": JobKind("matching", "workers.jobs.matching:plan_assignment"),
}


def handler(kind: str) -> Callable:
    """The function that runs jobs of ``kind``."""
    module, _, name = KINDS[kind].handler.partition(":")
    return getattr(importlib.import_module(module), name)
