"""A person who asks in French gets the address check in French, and an account that stays so."""

from __future__ import annotations

import sqlalchemy as sa

from portal.db import db
from portal.models import User
from portal.security.crypto import blind_index
from tests.participant.conftest import STEP_DATA


def test_the_address_check_of_a_request_made_in_french_is_in_french(client, wizard, mail,
                                                                     run_jobs):
    client.set_cookie("lang", "fr")
    assert wizard.complete().headers["Location"] == "/request/sent"
    run_jobs()
    [message] = mail
    assert message["Subject"] == "Veuillez confirmer votre adresse courriel"
    assert message.get_content().startswith("Bonjour,")


def test_a_request_made_in_english_gets_its_address_check_in_english(wizard, mail, run_jobs):
    wizard.complete()
    run_jobs()
    assert mail[0]["Subject"] == "Please confirm your email address"


def test_the_account_made_from_a_french_request_keeps_french(app, client, wizard,
                                                            confirm_address):
    client.set_cookie("lang", "fr")
    wizard.complete()
    assert confirm_address().status_code == 200
    with app.app_context():
        email = STEP_DATA["contact"]["email"]
        user = db.session.execute(sa.select(User).where(
            User.email_index == blind_index(email, "email"))).scalar_one()
        assert user.language == "fr"
