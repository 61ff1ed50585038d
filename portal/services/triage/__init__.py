"""The coordinator's triage, by what it serves: today's queues and counts (``today``), flagged
check-ins (``check_ins``), relationships that never started or went quiet (``silent``), one
request's record (``record``, with its ``summary`` and ``suggestion_rows``) and reveals
(``reveals``), the actions on it (``actions``) and their words (``labels``).

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
from portal.services.triage.check_ins import (  # noqa: F401 - the package's API
    acknowledge_check_in,
    get_check_in,
    referrals_needed,
    safety_concerns,
)
from portal.services.triage.labels import (  # noqa: F401 - the package's API
    CLOSE_LABELS,
    CLOSE_REASONS,
    LIST_LIMIT,
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
)
from portal.services.triage.reveals import Revealed, reveal  # noqa: F401 - the package's API
from portal.services.triage.silent import (  # noqa: F401 - the package's API
    first_contact_overdue,
    quiet_relationships,
)
from portal.services.triage.suggestion_rows import suggestion_rows  # noqa: F401 - the package's API
from portal.services.triage.summary import summary_of  # noqa: F401 - the package's API
from portal.services.triage.today import (  # noqa: F401 - the package's API
    NEEDS_REFERRAL,
    change_requests,
    glance,
    next_change,
    next_steps,
    open_offers,
    queue,
)
