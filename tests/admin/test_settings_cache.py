"""Settings are read once per process for a few seconds, and read afresh after any write."""

import sqlalchemy as sa

from portal.db import db
from portal.models import Setting
from portal.services import settings
from tests.queries import count_statements


def test_repeated_reads_use_one_query_and_a_write_is_seen_at_once(app):
    with app.app_context():
        settings.forget_cached()
        with count_statements(db.engine) as seen:
            for _ in range(5):
                settings.get(db.session, "program_contact")
        assert len([s for s in seen if "setting" in s]) == 1
        settings.put(db.session, "program_contact", "Call us", actor=None)
        assert settings.get(db.session, "program_contact") == "Call us"  # this transaction
        db.session.commit()
    with app.app_context():
        assert settings.get(db.session, "program_contact") == "Call us"


def test_a_rolled_back_write_is_forgotten(app):
    with app.app_context():
        settings.put(db.session, "retention_months", 3, actor=None)
        assert settings.get(db.session, "retention_months") == 3
        db.session.rollback()
        assert settings.get(db.session, "retention_months") == settings.DEFAULTS["retention_months"]


def test_a_row_written_any_other_way_is_seen_too(app):
    with app.app_context():
        settings.get(db.session, "show_staff_names")
        db.session.add(Setting(key="show_staff_names", value=True))
        db.session.commit()
        assert settings.get(db.session, "show_staff_names") is True
        db.session.execute(sa.delete(Setting).where(Setting.key == "show_staff_names"))
        db.session.commit()
        settings.forget_cached()  # a bulk statement: as another process's write, seen in seconds
        assert settings.get(db.session, "show_staff_names") is False
