"""The global plan: run it in the background with visible progress, then approve its pairs.

Nothing is offered until the coordinator approves a pair (or all of them); each approval
goes through ``offers.make_offer``, which runs the engine's hard rules again under row locks,
so a pair that went stale since the plan ran is skipped with its reason rather than offered.
"""

from __future__ import annotations

import time
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.db import db
from portal.matching.records import CRITERIA
from portal.models import (
    Intake,
    IntakeState,
    PlanProposal,
    PlanRun,
    PlanStatus,
    ProposalStatus,
    VolunteerProfile,
    utcnow,
)
from portal.security import audit
from portal.services import engine_records, matching, matching_words, offers, outbox, volunteer_pool
from portal.services.errors import DomainError, NotFound

PROGRESS_EVERY = 0.5  # seconds between progress writes the coordinator's page polls


def start_plan(session: Session, *, actor) -> PlanRun:
    """Queue a plan run for every waiting intake."""
    run = PlanRun(status=PlanStatus.QUEUED, requested_by_id=actor.id, message="Waiting for a worker")
    session.add(run)
    session.flush()
    outbox.enqueue(session, "plan_assignment", run.id)
    audit.record(session, actor=actor, action="create", subject_type="plan_run", subject_id=run.id)
    return run


def latest_run(session: Session) -> PlanRun | None:
    return session.execute(sa.select(PlanRun).order_by(PlanRun.created_at.desc()).limit(1)).scalar()


def get_run(session: Session, run_id) -> PlanRun:
    try:
        run = session.get(PlanRun, uuid.UUID(str(run_id)))
    except ValueError:
        run = None
    if run is None:
        raise NotFound("That plan does not exist.")
    return run


def get_proposal(session: Session, run_id, proposal_id) -> PlanProposal:
    """The proposal ``proposal_id`` of the plan ``run_id`` (NotFound otherwise)."""
    try:
        proposal = session.get(PlanProposal, uuid.UUID(str(proposal_id)))
    except ValueError:
        proposal = None
    if proposal is None or str(proposal.plan_run_id) != str(run_id):
        raise NotFound("That proposal does not exist.")
    return proposal


def proposal_rows(session: Session, run: PlanRun | None) -> list[tuple]:
    """Each proposal of a finished plan, best first, with the request and the volunteer the
    coordinator needs to recognise the pair."""
    if run is None or run.status != PlanStatus.DONE:
        return []
    return [(proposal, session.get(Intake, proposal.intake_id),
             session.get(VolunteerProfile, proposal.volunteer_id))
            for proposal in sorted(run.proposals, key=lambda p: -p.score)]


def _write_status(run_id, **values) -> None:
    """Progress goes in its own short transaction so the page sees it while the job runs."""
    with Session(db.engine) as store:
        store.execute(sa.update(PlanRun).where(PlanRun.id == run_id).values(**values))
        store.commit()


class _Reporter:
    def __init__(self, run_id):
        self.run_id, self.last = run_id, 0.0

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY or fraction >= 1.0:
            self.last = now
            _write_status(self.run_id, progress=min(0.99, max(0.0, fraction)), message=message[:200])


def _explain(session: Session, P, i: int, V, j: int, weights) -> list[str]:
    """The reasons of one proposed pair: row ``i`` of the intakes, column ``j`` of the pool."""
    from portal.matching.explain import explain
    from portal.matching.scoring import Scorer

    P, V = P.take([i]), V.take([j])
    scorer = Scorer(V, weights)
    parts = scorer.criteria(P, 0, 1)
    split = {name: float(parts[name][0, 0]) for name in CRITERIA}
    return matching_words.reasons(explain(P, 0, V, 0, split, scorer.points), session)


def run_plan(session: Session, run_id) -> None:
    """Compute the plan of run ``run_id`` and store its proposals (safe to run twice)."""
    from portal.matching.encoding import encode_participants  # the engine: the worker's only
    from portal.matching.plan import plan_assignment

    run = session.get(PlanRun, uuid.UUID(str(run_id)))
    if run is None or run.status == PlanStatus.DONE:
        return
    _write_status(run.id, status=PlanStatus.RUNNING, progress=0.0, message="Scoring every pair")
    try:
        weights = matching.current_weights(session)
        intakes = session.execute(sa.select(Intake).where(
            Intake.state == IntakeState.WAITING, Intake.erased_at.is_(None))).scalars().all()
        # Constant queries whatever the queue: two for the intakes' records, the pool cached.
        participants = encode_participants(engine_records.participant_records(session, intakes))
        pool = volunteer_pool.volunteer_pool(session)
        plan = plan_assignment(participants, pool, weights, progress=_Reporter(run.id))
        row = {pid: i for i, pid in enumerate(participants.ids)}
        session.execute(sa.delete(PlanProposal).where(PlanProposal.plan_run_id == run.id))
        session.add_all(
            PlanProposal(plan_run_id=run.id, intake_id=uuid.UUID(pair.participant_id),
                         volunteer_id=uuid.UUID(pair.volunteer_id), score=pair.score,
                         reasons=_explain(session, participants, row[pair.participant_id], pool,
                                          pool.index[pair.volunteer_id], weights))
            for pair in plan.pairs
        )
    except Exception as exc:
        _write_status(run.id, status=PlanStatus.FAILED, message=f"The plan could not finish ({type(exc).__name__}).")
        raise
    run.status, run.progress, run.finished_at = PlanStatus.DONE, 1.0, utcnow()
    run.total_score = plan.total_score
    run.message = (f"{len(plan.pairs)} pairs proposed, {len(plan.unassigned)} left waiting"
                   + ("" if plan.proven_optimal else f"; at most {plan.gap_bound:.1f} points from optimal"))


def approve(session: Session, proposal: PlanProposal, *, actor) -> str | None:
    """Offer one proposed pair; returns why it was skipped, or None when offered."""
    if proposal.status != ProposalStatus.PROPOSED:
        return None
    intake = session.get(Intake, proposal.intake_id)
    volunteer = session.get(VolunteerProfile, proposal.volunteer_id)
    try:
        if intake is None or volunteer is None:
            raise DomainError("This pair no longer exists.")
        # make_offer checks every rule before it writes anything, so a refusal leaves no trace.
        offers.make_offer(session, intake, volunteer, actor=actor, source="plan")
    except DomainError as refusal:
        proposal.status = ProposalStatus.SKIPPED
        return str(refusal)
    proposal.status = ProposalStatus.APPROVED
    return None


def approve_all(session: Session, run: PlanRun, *, actor) -> tuple[int, list[str]]:
    """Offer every still-proposed pair of ``run``; returns (offered, reasons for skipped)."""
    offered, skipped = 0, []
    for proposal in sorted(run.proposals, key=lambda p: -p.score):
        if proposal.status != ProposalStatus.PROPOSED:
            continue
        problem = approve(session, proposal, actor=actor)
        if problem is None:
            offered += 1
        else:
            skipped.append(problem)
    return offered, skipped
