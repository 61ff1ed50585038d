"""All models, imported here so metadata and Alembic see every table."""

from portal.models.accounts import (
    AddressNotice,
    Passkey,
    RecoveryCode,
    Role,
    ServerSession,
    User,
)
from portal.models.audit import AuditCheck, AuditEvent, AuditHead
from portal.models.base import Base, utcnow
from portal.models.care import OutcomePulse, ServiceLog, WellbeingCheck
from portal.models.intake import ConflictEntry, ConflictKind, Intake, IntakeState, RevealNote
from portal.models.matching import (
    CheckIn,
    Match,
    MatchState,
    PlanProposal,
    PlanRun,
    PlanStatus,
    PoolVersion,
    ProposalStatus,
    Suggestion,
    TodayVersion,
)
from portal.models.notifications import (
    DeliveryStatus,
    Notification,
    OutboxJob,
    OutboxState,
    PeriodicTask,
)
from portal.models.program import ProgramListEntry, ReferralResource, Setting
from portal.models.volunteers import Invitation, OnboardingState, VolunteerProfile

__all__ = [
    "AddressNotice", "AuditCheck", "AuditEvent", "AuditHead", "Base", "CheckIn", "ConflictEntry", "ConflictKind",
    "DeliveryStatus", "Intake", "IntakeState", "Invitation", "Match", "MatchState",
    "Notification", "OnboardingState", "OutboxJob", "OutboxState", "Passkey", "PeriodicTask",
    "PoolVersion",
    "TodayVersion",
    "PlanProposal", "PlanRun", "ProgramListEntry", "PlanStatus", "ProposalStatus",
    "RecoveryCode", "ReferralResource", "RevealNote", "Role", "ServerSession", "Setting", "Suggestion", "User",
    "OutcomePulse", "ServiceLog", "VolunteerProfile", "WellbeingCheck", "utcnow",
]
