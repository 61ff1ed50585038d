"""The coordinator's triage, by what it serves: today's queues (``today``), one request's
record and reveals (``record``), the actions on it (``actions``) and their words (``labels``).

Queues are plain queries returning small dataclasses. Opening a record writes its audit event
before anything is read, and revealing a sensitive field writes one event per field (its name,
never its value): if the audit write fails, nothing is shown (fail closed).
"""

from portal.services.triage.actions import (  # noqa: F401 - the package's API
    close_intake,
    manual_candidates,
    manual_match,
    offer_suggestion,
    recompute,
)
from portal.services.triage.labels import (  # noqa: F401 - the package's API
    CLOSE_LABELS,
    CLOSE_REASONS,
    MANUAL_REASONS,
    OUTCOME_LABELS,
    QUEUE_STATES,
    STATE_LABELS,
)
from portal.services.triage.record import (  # noqa: F401 - the package's API
    get_intake,
    intake_record,
    open_record,
    recomputing,
    suggestion_rows,
    summary_of,
)
from portal.services.triage.reveals import Revealed, reveal  # noqa: F401 - the package's API
from portal.services.triage.today import (  # noqa: F401 - the package's API
    LIST_LIMIT,
    NEEDS_REFERRAL,
    acknowledge_check_in,
    change_requests,
    first_contact_overdue,
    get_check_in,
    glance,
    next_change,
    next_steps,
    open_offers,
    queue,
    quiet_relationships,
    referrals_needed,
    safety_concerns,
)
