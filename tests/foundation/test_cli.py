"""Flask commands: migrations, demo data, the outbox relay."""

import sqlalchemy as sa

from portal.db import db
from portal.models import Intake, IntakeState, OnboardingState, Role, User, VolunteerProfile


def test_demo_data_seeds_staff_volunteers_and_intakes_in_several_states(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "coordinator@example.org" in result.output
    with app.app_context():
        volunteers = db.session.execute(sa.select(VolunteerProfile)).scalars().all()
        intakes = db.session.execute(sa.select(Intake)).scalars().all()
        coordinators = db.session.execute(
            sa.select(User).where(User.role == Role.COORDINATOR)).scalars().all()
    assert len(volunteers) == 30 and len(coordinators) == 1
    assert len(intakes) == 10
    assert {IntakeState.WAITING, IntakeState.OFFERED, IntakeState.MATCHED, IntakeState.CLOSED} <= {
        i.state for i in intakes}
    assert len({v.state for v in volunteers}) > 1 and any(
        v.state == OnboardingState.ACTIVE for v in volunteers)


def test_demo_data_is_seeded_only_once_when_asked_if_empty(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Intake)).scalar() == 10


def test_demo_data_is_never_seeded_in_production(app):
    app.config["ENV_NAME"] = "production"
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "never" in result.output


def test_the_relay_command_pushes_what_waits(app, make_user):
    from portal.services import notifications

    user = make_user("coordinator")
    with app.app_context():
        notifications.notify(db.session, user, "new_request")
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "relay"])
    assert result.exit_code == 0 and "repaired 0" in result.output


def test_db_upgrade_on_an_empty_database(app, tmp_path):
    app.config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and "head" in result.output
