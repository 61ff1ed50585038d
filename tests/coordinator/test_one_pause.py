"""Pausing is one transition, whoever asks: the coordinator's and the participant's pause."""

from __future__ import annotations

from portal.db import db
from portal.models import Intake, User
from portal.services import intake_lifecycle


def test_both_pauses_record_who_asked(app, make_user, make_intake):
    import sqlalchemy as sa

    from portal.models import AuditEvent

    coordinator = make_user("coordinator")
    for by in ("coordinator", "participant"):
        intake = make_intake()
        with app.app_context():
            session = db.session
            actor = session.get(User, coordinator.id if by == "coordinator"
                                else intake.participant_id)
            intake_lifecycle.pause_intake(session, session.get(Intake, intake.id), actor=actor, by=by)
            session.commit()
            reason = session.execute(sa.select(AuditEvent.reason).where(
                AuditEvent.subject_id == str(intake.id), AuditEvent.action == "transition")
            ).scalar_one()
            assert reason == by
