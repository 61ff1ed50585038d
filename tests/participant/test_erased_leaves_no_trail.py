"""An erased request leaves nothing outside its kept row that dates it finer than its month or
says it was urgent: its jobs and the staff's notices about it go with it (services/erasure.py),
while what withdrawing it at erasure tells the volunteer stays, to be sent."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from portal.db import db
from portal.models import Intake, Match, Notification, OutboxJob, User, VolunteerProfile
from portal.services import erasure, offers


def test_an_erased_request_leaves_no_job_or_notice_behind(app, ask_and_sign_in, make_user,
                                                           make_volunteer):
    coordinator = make_user("coordinator")
    profile = make_volunteer()
    ask_and_sign_in(danger="yes")
    with app.app_context():
        intake = db.session.execute(sa.select(Intake)).scalar_one()
        match = offers.make_offer(db.session, intake, db.session.get(VolunteerProfile, profile.id),
                                  actor=db.session.get(User, coordinator.id))
        db.session.commit()
        refs = {str(intake.id), str(match.id)}
        staff_notices = sa.select(Notification.id).where(
            Notification.recipient_id == coordinator.id, Notification.subject_id.in_(refs))
        notices = set(db.session.scalars(staff_notices))
        jobs = set(db.session.scalars(sa.select(OutboxJob.id).where(OutboxJob.ref.in_(
            refs | {str(note) for note in notices}))))
        assert notices and jobs  # or this would prove nothing
        erasure.erase_participant(db.session, db.session.get(User, intake.participant_id),
                                  actor=None, k=1)
        db.session.commit()
        assert db.session.get(Match, match.id) is not None  # the offer stays, by month
        kept_jobs = set(db.session.scalars(sa.select(OutboxJob.id)))
        assert (notices & set(db.session.scalars(staff_notices)), jobs & kept_jobs) == (set(), set())
        # What the withdrawal at erasure told the volunteer stays, and can still be sent.
        told = db.session.scalars(sa.select(Notification.kind).where(
            Notification.recipient_id == profile.user_id)).all()
        assert "offer_withdrawn" in told
        sent = db.session.execute(sa.select(OutboxJob.ref).where(
            OutboxJob.kind == "send_notification")).scalars().all()
        assert [ref for ref in sent if db.session.get(Notification, uuid.UUID(ref)) is None] == []
