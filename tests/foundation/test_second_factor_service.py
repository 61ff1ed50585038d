"""The second sign-in step, called directly: who may take it, and what a code does."""

from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from portal.models import AuditEvent, User, utcnow
from portal.services import mfa, second_factor
from tests.conftest import STAFF_SECRETS


@pytest.fixture
def staff(make_user, session):
    return session.get(User, make_user("coordinator").id)


def code_of(user) -> str:
    return pyotp.TOTP(STAFF_SECRETS[user.email]).now()


def actions(session) -> list[str]:
    return list(session.execute(sa.select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


def test_the_person_who_passed_the_password_step_is_waiting(session, staff):
    assert second_factor.pending_user(session, str(staff.id), staff.session_epoch) is staff


def test_ending_their_sessions_sends_them_back_to_the_start(session, staff):
    assert second_factor.pending_user(session, str(staff.id), staff.session_epoch - 1) is None


def test_a_disabled_account_cannot_take_the_step(session, staff):
    staff.is_enabled = False
    assert second_factor.pending_user(session, str(staff.id), staff.session_epoch) is None


@pytest.mark.parametrize("user_id", [None, "", "not-an-id", "00000000-0000-0000-0000-000000000000"])
def test_no_or_an_unknown_id_means_nobody_is_waiting(session, user_id):
    assert second_factor.pending_user(session, user_id, 0) is None


def test_a_right_code_clears_the_failures_and_is_audited(session, staff):
    staff.failed_logins = 3
    assert second_factor.check_code(session, staff, code_of(staff), ip="192.0.2.1")
    assert staff.failed_logins == 0 and actions(session) == ["mfa_ok"]


def test_a_wrong_code_counts_as_a_failure_and_is_audited(session, staff):
    assert not second_factor.check_code(session, staff, "000000")
    assert staff.failed_logins == 1 and actions(session) == ["mfa_fail"]


def test_a_resting_account_is_refused_even_a_right_code_without_counting_it(session, staff):
    staff.locked_until = utcnow() + timedelta(minutes=5)
    assert not second_factor.check_code(session, staff, code_of(staff))
    assert staff.failed_logins == 0 and actions(session) == ["mfa_fail"]


def test_a_recovery_code_lets_them_in(session, staff):
    secret = mfa.new_secret()
    codes = mfa.enrol(session, staff, secret, pyotp.TOTP(secret).now())
    assert second_factor.check_code(session, staff, codes[0])
    assert actions(session)[-2:] == ["mfa_recovery", "mfa_ok"]
