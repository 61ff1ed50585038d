"""The program's own lists: an admin adds, renames, retires and brings back entries; codes and
bits never change, nothing is deleted, every change is audited, and bad words are refused
beside the field with what was typed kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal import vocab
from portal.db import db
from portal.models import AuditEvent, ProgramListEntry
from portal.services import program_lists
from tests.conftest import HX, csrf_token

SEEDED_REGIONS = ("calgary", "edmonton", "red_deer", "lethbridge", "medicine_hat",
                  "grande_prairie", "fort_mcmurray", "rural_north", "rural_south")


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def post(client, url, data=None, htmx=False):
    if htmx:
        return client.post(url, data=data or {}, headers={**HX, "X-CSRFToken": csrf_token(client)})
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)})


def add(session, label, name="regions", **kwargs):
    entry = program_lists.add_entry(session, name, label, **kwargs)
    session.commit()
    return entry


# ---------------------------------------------------------------- the service


def test_the_seeded_lists_keep_todays_codes_order_and_bits(session):
    regions = program_lists.entries(session, "regions")
    assert tuple(e.code for e in regions) == SEEDED_REGIONS
    assert [e.bit for e in regions] == list(range(len(SEEDED_REGIONS)))
    assert program_lists.label(session, "practice_areas", "litigation") == "Civil litigation"
    assert len(program_lists.entries(session, "practice_areas")) == 15


def test_a_new_entry_gets_a_code_from_its_words_and_the_next_free_bit(session):
    entry = add(session, "  Canmore   and Banff ")
    assert (entry.code, entry.label, entry.bit) == ("canmore_and_banff", "Canmore and Banff", 9)
    assert program_lists.codes(session, "regions")[-1] == "canmore_and_banff"
    assert vocab.list_codes("regions")[9] == "canmore_and_banff"  # what the engine reads


def test_codes_stay_unique_when_words_make_the_same_slug(session):
    add(session, "Peace Région")
    assert add(session, "Peace Region!").code == "peace_region_2"  # different words, same slug


def test_every_change_is_audited(session, make_user):
    from portal.models import User

    actor = session.get(User, make_user("admin").id)
    program_lists.add_entry(session, "regions", "Canmore", actor=actor)
    program_lists.rename_entry(session, "regions", "canmore", "Canmore–Bow Valley", actor=actor)
    program_lists.retire_entry(session, "regions", "canmore", actor=actor)
    program_lists.restore_entry(session, "regions", "canmore", actor=actor)
    program_lists.move_entry(session, "regions", "canmore", -1, actor=actor)
    session.commit()
    events = session.execute(sa.select(AuditEvent.action, AuditEvent.subject_id, AuditEvent.actor_id,
                                       AuditEvent.detail)
                             .where(AuditEvent.subject_type == "list_entry")
                             .order_by(AuditEvent.id)).all()
    row = session.execute(sa.select(ProgramListEntry).where(
        ProgramListEntry.code == "canmore")).scalar_one()
    assert [e.action for e in events] == ["list_entry_added", "list_entry_renamed",
                                          "list_entry_retired", "list_entry_restored",
                                          "list_entry_moved"]
    # The row's number, never what was typed (the code is made from the words).
    assert {(e.subject_id, e.actor_id, e.detail) for e in events} == {(str(row.id), actor.id, None)}


def test_renaming_changes_the_words_never_the_code(session):
    program_lists.rename_entry(session, "regions", "red_deer", "Central Alberta", "Centre")
    session.commit()
    entry = next(e for e in program_lists.entries(session, "regions") if e.code == "red_deer")
    assert (entry.label, entry.label_fr, entry.bit) == ("Central Alberta", "Centre", 2)


def test_a_retired_entry_is_kept_with_its_words_but_no_longer_offered(session):
    program_lists.retire_entry(session, "regions", "rural_north")
    session.commit()
    assert session.execute(sa.select(sa.func.count()).select_from(ProgramListEntry).where(
        ProgramListEntry.code == "rural_north")).scalar() == 1
    assert "rural_north" not in dict(program_lists.choices(session, "regions"))
    assert dict(program_lists.choices(session, "regions", keep="rural_north"))["rural_north"] \
        == "Rural north"
    assert program_lists.label(session, "regions", "rural_north") == "Rural north"
    program_lists.restore_entry(session, "regions", "rural_north")
    session.commit()
    assert "rural_north" in dict(program_lists.choices(session, "regions"))


def test_moving_changes_the_order_shown_never_the_bits(session):
    program_lists.move_entry(session, "regions", "edmonton", -1)
    session.commit()
    regions = program_lists.entries(session, "regions")
    assert [e.code for e in regions[:2]] == ["edmonton", "calgary"]
    assert [e.bit for e in regions[:2]] == [1, 0]


def test_a_full_list_refuses_a_new_entry_in_plain_words(session):
    for n in range(program_lists.WIDTH - len(SEEDED_REGIONS)):
        program_lists.add_entry(session, "regions", f"Place {n}")
    with pytest.raises(program_lists.EntryRefused, match="can hold 32 entries"):
        program_lists.add_entry(session, "regions", "One too many")


@pytest.mark.parametrize(("label", "label_fr", "field", "message"), [
    ("", None, "label", "Please enter the words"),
    ("   ", None, "label", "Please enter the words"),
    ("x" * 81, None, "label", "80 characters or fewer"),
    ("Canmore", "y" * 81, "label_fr", "80 characters or fewer"),
    ("Can\x00more", None, "label", "invisible character"),
    ("calgary", None, "label", "already on the list"),
    ("Canmore", "EDMONTON", "label_fr", "already on the list"),
])  # fmt: skip
def test_bad_words_are_refused_and_name_their_field(session, label, label_fr, field, message):
    with pytest.raises(program_lists.EntryRefused, match=message) as refused:
        program_lists.add_entry(session, "regions", label, label_fr)
    assert refused.value.field == field


def test_a_retired_entry_of_the_same_words_is_brought_back_not_added_again(session):
    program_lists.retire_entry(session, "regions", "lethbridge")
    with pytest.raises(program_lists.EntryRefused, match="retired: bring it back"):
        program_lists.add_entry(session, "regions", "Lethbridge")


def test_the_french_words_are_shown_to_french_readers(app):
    from flask_babel import force_locale

    with app.test_request_context():
        program_lists.rename_entry(db.session, "regions", "calgary", "Calgary", "Calgary (ville)")
        db.session.commit()
        with force_locale("fr"):
            assert program_lists.label(db.session, "regions", "calgary") == "Calgary (ville)"
            assert program_lists.label(db.session, "regions", "edmonton") == "Edmonton"  # no French
        assert program_lists.label(db.session, "regions", "calgary") == "Calgary"
