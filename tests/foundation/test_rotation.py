"""Rotating every secret: DATA_KEYS (re-encrypt, then say what is left), BLIND_INDEX_KEY
(both keys work during the change, then every index is recomputed), SECRET_KEY (fallbacks)."""

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.config import ConfigError
from portal.db import db
from portal.models import Intake
from portal.security.crypto import new_key
from portal.security.rotation import values_by_key


def with_keys(config, **keys):
    """The app as it runs once the operator has changed these settings and restarted."""
    return create_app({**config, **keys})


def test_rotate_reseals_everything_and_says_the_old_key_may_go(app, config, make_intake):
    make_intake(note="a private note", phone="403-555-0101")
    rotated = with_keys(config, DATA_KEYS=f"t2:{new_key()},{config['DATA_KEYS']}")
    with rotated.app_context():
        before = values_by_key(db.session)
        assert before["t1"] >= 3 and before["t2"] == 0
    result = rotated.test_cli_runner().invoke(args=["crypto", "rotate"])
    assert result.exit_code == 0, result.output
    assert f"re-encrypted {before['t1']} values" in result.output
    assert f"{before['t1']} values sealed with the current key 't2'" in result.output
    assert "no value uses 't1' any more: it may leave DATA_KEYS" in result.output
    new_only = with_keys(config, DATA_KEYS=rotated.config["DATA_KEYS"].split(",")[0])
    with new_only.app_context():
        intake = db.session.execute(sa.select(Intake)).scalar_one()
        assert (intake.note, intake.phone) == ("a private note", "403-555-0101")


def test_values_a_process_still_on_the_old_keys_writes_are_counted_and_resealed(app, config, make_intake):
    rotated = with_keys(config, DATA_KEYS=f"t2:{new_key()},{config['DATA_KEYS']}")
    assert rotated.test_cli_runner().invoke(args=["crypto", "rotate"]).exit_code == 0
    with_keys(config)  # a web process not yet restarted writes with t1 first
    make_intake(note="written by an old process")
    with rotated.app_context():
        assert values_by_key(db.session)["t1"] >= 1
    with_keys(config, DATA_KEYS=rotated.config["DATA_KEYS"])
    from portal.security.rotation import rotate_all

    with rotated.app_context():
        assert rotate_all(db.session) >= 1 and values_by_key(db.session)["t1"] == 0


def test_blind_index_key_change_old_and_new_work_then_reindex(
        app, config, make_user, make_volunteer, make_intake):
    from portal.services import engine_records
    from portal.services.accounts import find_by_email

    old_user = make_user("participant", email="Before.Change@example.org")
    volunteer = make_volunteer(firm="Smith & Jones LLP")
    changing = with_keys(config, BLIND_INDEX_KEY=f"{new_key()},{config['BLIND_INDEX_KEY']}")
    # Written after the restart, so under the new key; the volunteer's firm is under the old one.
    intake = make_intake(firms=["smith and jones"])
    new_user = make_user("participant", email="after.change@example.org")
    with changing.app_context():
        assert find_by_email(db.session, "before.change@example.org").id == old_user.id
        assert find_by_email(db.session, "after.change@example.org").id == new_user.id
        assert conflict_seen(db.session, engine_records, intake.id, volunteer.id)

    result = changing.test_cli_runner().invoke(args=["crypto", "reindex"])
    assert result.exit_code == 0 and "recomputed" in result.output, result.output
    assert "the others may leave BLIND_INDEX_KEY" in result.output
    assert changing.test_cli_runner().invoke(
        args=["crypto", "reindex"]).output.startswith("recomputed 0 ")

    new_only = with_keys(config, BLIND_INDEX_KEY=changing.config["BLIND_INDEX_KEY"].split(",")[0])
    with new_only.app_context():
        assert find_by_email(db.session, "before.change@example.org").id == old_user.id
        assert conflict_seen(db.session, engine_records, intake.id, volunteer.id)
    old_only = with_keys(config)  # the old key alone no longer finds anyone
    with old_only.app_context():
        assert find_by_email(db.session, "before.change@example.org") is None


def conflict_seen(session, engine_records, intake_id, volunteer_id) -> bool:
    participant = engine_records.participant_record(session, session.get(Intake, intake_id))
    [record] = engine_records.volunteer_records(session, ids=[volunteer_id])
    session.rollback()
    return bool(participant.conflict_hashes & record.conflict_hashes)


def test_a_link_signed_with_the_old_secret_key_works_while_it_is_a_fallback(
        app, config, make_user):
    from portal.services import invitations

    coordinator = make_user("coordinator")
    with app.app_context():
        invitation = invitations.invite(db.session, "new.volunteer@example.org",
                                        actor=db.session.get(type(coordinator), coordinator.id))
        db.session.commit()
        old_token = invitations.token_for(invitation)
    new_secret = "n" * 20 + new_key()
    rotated = with_keys(config, SECRET_KEY=new_secret, SECRET_KEY_FALLBACKS=[config["SECRET_KEY"]])
    with rotated.app_context():
        assert invitations.open_invitation(db.session, old_token).id == invitation.id
        fresh = invitations.token_for(db.session.get(type(invitation), invitation.id))
    without = with_keys(config, SECRET_KEY=new_secret)
    with without.app_context():
        assert invitations.open_invitation(db.session, fresh).id == invitation.id
        with pytest.raises(invitations.InvitationInvalid):
            invitations.open_invitation(db.session, old_token)


def test_secret_key_fallbacks_from_the_environment_and_refused_when_weak(
        config, tmp_path, monkeypatch):
    from portal.config import defaults

    monkeypatch.setenv("SECRET_KEY_FALLBACKS", "x" * 40 + " , " + "y" * 40)
    assert defaults(str(tmp_path))["SECRET_KEY_FALLBACKS"] == ["x" * 40, "y" * 40]
    with pytest.raises(ConfigError, match="SECRET_KEY_FALLBACKS"):
        create_app({**config, "SECRET_KEY_FALLBACKS": ["short"]})
