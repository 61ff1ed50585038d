"""Matching jobs: suggestions for one intake, for every waiting intake, and the global plan."""

from __future__ import annotations

from portal.services import matching


def suggest_for_intake(session, ref: str) -> None:
    """Top suggestions for intake ``ref``; ends quietly if it was withdrawn or erased meanwhile."""
    matching.suggest_for_intake(session, ref)


def recompute_waiting(session, ref: str | None) -> None:
    """Fresh suggestions for waiting intakes after ``ref`` (None: from the first), a chunk a job."""
    matching.recompute_waiting(session, after=ref)


def recompute_for_volunteer(session, ref: str) -> None:
    """Replace the suggestions that a volunteer's change can alter, a chunk a job (``ref``:
    the volunteer, and after the first chunk the last intake done: ``recompute.job_ref``)."""
    from portal.services import recompute

    recompute.recompute_for_volunteer(session, *recompute.parse_ref(ref))


def plan_assignment(session, ref: str) -> None:
    """The global plan for plan run ``ref``; progress is written as it goes."""
    from portal.services import planning

    planning.run_plan(session, ref)
