"""Job handlers by kind: each takes the job's session and the outbox row's ``ref``.

Handlers are idempotent (safe to run twice) and never commit the outcome themselves;
the runtime commits their work together with the outbox row's ``done``.
"""

from workers.jobs.invitations import send_invitation
from workers.jobs.matching import plan_assignment, recompute_waiting, suggest_for_intake
from workers.jobs.notifications import send_notification

HANDLERS = {
    "send_notification": send_notification,
    "send_invitation": send_invitation,
    "suggest_for_intake": suggest_for_intake,
    "recompute_waiting": recompute_waiting,
    "plan_assignment": plan_assignment,
}
