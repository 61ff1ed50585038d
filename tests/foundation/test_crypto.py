"""Encryption at rest and blind indexes."""

import pytest
import sqlalchemy as sa

from portal.models import Intake
from portal.security import crypto
from portal.security.crypto import CryptoError, Keyring
from portal.security.rotation import rotate_all

SECRET_NOTE = "CANARY-note-7f3a"


def test_an_encrypted_field_reads_back_what_was_written(session):
    intake = Intake(note=SECRET_NOTE)
    session.add(intake)
    session.commit()
    session.expire_all()
    assert session.get(Intake, intake.id).note == SECRET_NOTE


def test_the_database_holds_no_plaintext(session):
    session.add(Intake(note=SECRET_NOTE, phone="403-555-0101"))
    session.commit()
    raw = session.execute(sa.text("SELECT note_ct, phone_ct FROM intake")).one()
    assert SECRET_NOTE.encode() not in bytes(raw[0])
    assert b"403-555-0101" not in bytes(raw[1])


def test_none_and_empty_are_stored_as_null(session):
    intake = Intake(note=None, phone="")
    assert intake.note is None and intake.phone_ct is None


def test_a_value_moved_to_another_row_does_not_decrypt(session):
    first, second = Intake(note=SECRET_NOTE), Intake(note="other")
    second.note_ct = first.note_ct
    with pytest.raises(CryptoError):
        second.note  # noqa: B018 - reading is the test


def test_a_flipped_byte_is_detected(session):
    intake = Intake(note=SECRET_NOTE)
    token = bytearray(intake.note_ct)
    token[-1] ^= 1
    intake.note_ct = bytes(token)
    with pytest.raises(CryptoError):
        intake.note  # noqa: B018


def test_rotation_reseals_every_value_with_the_new_key(session, app):
    old = crypto.keyring()
    session.add(Intake(note=SECRET_NOTE))
    session.commit()
    new_key = crypto.new_key()
    old_keys = ",".join(f"{k}:{crypto.base64.b64encode(v).decode()}" for k, v in old.keys.items())
    both = Keyring.parse(f"t2:{new_key},{old_keys}", crypto.base64.b64encode(old.index_key).decode())
    crypto.configure(both)
    assert rotate_all(session) >= 1
    crypto.configure(Keyring.parse(f"t2:{new_key}", crypto.base64.b64encode(old.index_key).decode()))
    session.expire_all()
    intakes = session.execute(sa.select(Intake)).scalars().all()
    assert [i.note for i in intakes] == [SECRET_NOTE]
    assert all(crypto.key_id_of(i.note_ct) == "t2" for i in intakes)


def test_blind_index_ignores_case_accents_punctuation_and_firm_suffixes(app_context):
    assert crypto.blind_index("Smith & Côté LLP", "name") == crypto.blind_index("smith and cote", "name")
    assert crypto.blind_index("Smith", "name") != crypto.blind_index("Smyth", "name")


def test_blind_index_depends_on_the_key(app_context):
    before = crypto.blind_index("Jordan Lee", "name")
    ring = crypto.keyring()
    crypto.configure(Keyring.parse("t9:" + crypto.new_key(), crypto.new_key()))
    assert crypto.blind_index("Jordan Lee", "name") != before
    crypto.configure(ring)
