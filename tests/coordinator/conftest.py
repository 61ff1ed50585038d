"""Coordinator-workspace fixtures: a signed-in coordinator, offers and their endings, look-ups."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.db import db
from portal.models import (
    AuditEvent,
    CheckIn,
    Intake,
    Match,
    OutboxJob,
    User,
    VolunteerProfile,
    utcnow,
)
from tests.conftest import HX, csrf_token


@pytest.fixture
def staff(login_as):
    """A coordinator, signed in on ``client``."""
    return login_as("coordinator")


@pytest.fixture
def post(client):
    """post(url, data=None, htmx=False) → the response, with the CSRF token a page would send."""

    def send(url, data=None, htmx=False):
        token = csrf_token(client)
        if htmx:
            return client.post(url, data=data or {}, headers={**HX, "X-CSRFToken": token})
        return client.post(url, data={**(data or {}), "csrf_token": token})

    return send


@pytest.fixture
def suggest(app):
    """suggest(intake) → run the real suggestion engine for the intake and store its top five."""
    from portal.services import matching

    def run(intake):
        with app.app_context():
            matching.suggest_for_intake(db.session, intake.id)
            db.session.commit()

    return run


@pytest.fixture
def offer(app, make_user):
    """offer(intake, volunteer) → an offered Match, made by another coordinator."""
    from portal.services import offers

    colleague = make_user("coordinator")

    def make(intake, profile) -> Match:
        with app.app_context():
            session = db.session
            match = offers.make_offer(session, session.get(Intake, intake.id),
                                      session.get(VolunteerProfile, profile.id),
                                      actor=session.get(User, colleague.id))
            session.commit()
            return match

    return make


@pytest.fixture
def decline(app, offer):
    """decline(intake, volunteer) → the volunteer was offered the intake and said no."""
    from portal.services import offers

    def run(intake, profile) -> Match:
        match = offer(intake, profile)
        with app.app_context():
            session = db.session
            offers.decline(session, session.get(Match, match.id),
                           actor=session.get(User, profile.user_id))
            session.commit()
            return session.get(Match, match.id)

    return run


@pytest.fixture
def expire(app, offer):
    """expire(intake, volunteer) → the offer ran out of time without an answer."""
    from portal.services import offers

    def run(intake, profile) -> Match:
        match = offer(intake, profile)
        with app.app_context():
            session = db.session
            session.execute(sa.update(Match).where(Match.id == match.id)
                            .values(expires_at=utcnow()))
            session.commit()
            offers.expire_due_offers(session, utcnow())
            session.commit()
            return session.get(Match, match.id)

    return run


@pytest.fixture
def accept(app, offer):
    """accept(intake, volunteer) → an active peer relationship."""
    from portal.services import offers

    def run(intake, profile) -> Match:
        match = offer(intake, profile)
        with app.app_context():
            session = db.session
            offers.accept(session, session.get(Match, match.id),
                          actor=session.get(User, profile.user_id))
            session.commit()
            return session.get(Match, match.id)

    return run


@pytest.fixture
def change_requested(app, accept):
    """change_requested(intake, volunteer) → the pair was matched, then a change was asked for."""
    from portal.services import relationships

    def run(intake, profile) -> Match:
        match = accept(intake, profile)
        with app.app_context():
            session = db.session
            relationships.request_change(session, session.get(Match, match.id),
                                         actor=session.get(User, profile.user_id))
            session.commit()
            return session.get(Match, match.id)

    return run


@pytest.fixture
def flagged_check_in(app, accept, program_today):
    """flagged_check_in(intake, volunteer, flag) → a logged check-in with that flag."""
    from portal.services import relationships

    def run(intake, profile, flag: str) -> CheckIn:
        match = accept(intake, profile)
        with app.app_context():
            session = db.session
            entry = relationships.log_check_in(
                session, session.get(Match, match.id), actor=session.get(User, profile.user_id),
                occurred_on=program_today, mode="phone", flag=flag)
            session.commit()
            return entry

    return run


@pytest.fixture
def safety_check_in(flagged_check_in):
    """safety_check_in(intake, volunteer) → a logged check-in flagged as a safety concern."""
    return lambda intake, profile: flagged_check_in(intake, profile, "safety_concern")


@pytest.fixture
def fetch(app):
    """fetch(model, id) → a fresh copy of one row."""

    def get(model, row_id):
        with app.app_context():
            return db.session.get(model, row_id)

    return get


@pytest.fixture
def events(app):
    """events(action=None, subject_id=None) → audit events, oldest first."""

    def query(action: str | None = None, subject_id=None) -> list[AuditEvent]:
        with app.app_context():
            select = sa.select(AuditEvent).order_by(AuditEvent.id)
            if action:
                select = select.where(AuditEvent.action == action)
            if subject_id is not None:
                select = select.where(AuditEvent.subject_id == str(subject_id))
            return db.session.execute(select).scalars().all()

    return query


@pytest.fixture
def jobs(app):
    """jobs(kind) → outbox rows of that kind."""

    def query(kind: str) -> list[OutboxJob]:
        with app.app_context():
            return db.session.execute(
                sa.select(OutboxJob).where(OutboxJob.kind == kind).order_by(OutboxJob.id)
            ).scalars().all()

    return query


@pytest.fixture
def backdate(app):
    """backdate(match, **columns): move a relationship's moments into the past."""

    def run(match, **columns):
        with app.app_context():
            row = db.session.get(Match, match.id)
            for name, value in columns.items():
                setattr(row, name, value)
            db.session.commit()

    return run


@pytest.fixture
def silent(accept, backdate, make_intake, make_volunteer):
    """silent(days, alias=…, name=…) → a relationship accepted ``days`` ago, no first contact."""

    def run(days: float, alias="Still Waiting", name="Slow Vol"):
        match = accept(make_intake(alias=alias), make_volunteer(name=name))
        backdate(match, activated_at=utcnow() - timedelta(days=days))
        return match

    return run


@pytest.fixture
def quiet(accept, backdate, make_intake, make_volunteer):
    """quiet(weeks, alias=…) → a relationship whose first contact was ``weeks`` ago, no check-in."""

    def run(weeks: float, alias="Gone Quiet", name="Quiet Vol"):
        match = accept(make_intake(alias=alias), make_volunteer(name=name))
        since = utcnow() - timedelta(weeks=weeks)
        backdate(match, activated_at=since - timedelta(days=1), first_contact_at=since)
        return match

    return run
