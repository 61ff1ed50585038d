"""Without JavaScript, a form sent with problems comes back with the error summary first in
<main>, each problem a link to its field, and what the person typed still in the fields."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from portal.db import db
from portal.models import Intake, Match, User, VolunteerProfile
from tests.conftest import csrf_token

BAD = "not an email"


class FormFields(HTMLParser):
    """What a browser would send from the form posting to ``action``: its values as shown."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.data = action, False, {}
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = urlsplit(attrs.get("action") or "").path == self.action
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind not in ("checkbox", "radio") or "checked" in attrs:
                self.data.setdefault(attrs["name"], attrs.get("value") or "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.data[self._textarea] = ""
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def send(client, page: str, action: str, typed: dict) -> str:
    """Fill in the form of ``page`` that posts to ``action`` as typed, and send it plainly."""
    shown = client.get(page)
    assert shown.status_code == 200, (page, shown.status_code)
    fields = FormFields(action)
    fields.feed(shown.get_data(as_text=True))
    assert fields.data, f"no form posting to {action} on {page}"
    data = {**fields.data, **typed, "csrf_token": csrf_token(client)}
    data = {name: value for name, value in data.items() if value is not None}
    response = client.post(action, data=data)
    assert response.status_code in (200, 400, 422), (action, response.status_code)
    return response.get_data(as_text=True)


def main_of(body: str) -> str:
    return re.search(r"<main\b.*?</main>", body, re.S).group(0)


def summary_links(main: str) -> list[str]:
    summaries = re.findall(r'<div class="error-summary".*?</div>', main, re.S)
    assert len(summaries) == 1, f"{len(summaries)} error summaries in <main>"
    return re.findall(r'<a href="#([^"]+)"', summaries[0])


# ---------------------------------------------------------------- the people and their pages

def _participant(app, make_user, auth):
    user = make_user("participant")
    assert auth.login(user.email).status_code in (302, 303)
    return user


def _volunteer_with_a_match(app, make_volunteer, make_intake, make_user, auth):
    from portal.services import offers

    profile, intake = make_volunteer(), make_intake()
    coordinator = make_user("coordinator")
    with app.app_context():
        session = db.session
        match = offers.make_offer(session, session.get(Intake, intake.id),
                                  session.get(VolunteerProfile, profile.id),
                                  actor=session.get(User, coordinator.id))
        match = offers.accept(session, session.get(Match, match.id),
                              actor=session.get(User, profile.user_id))
        session.commit()
        email = session.get(User, profile.user_id).email
    assert auth.login(email).status_code in (302, 303)
    return match.id


def _reset_path(app, make_user, auth):
    from portal.services import recovery

    user = make_user("participant")
    with app.test_request_context():
        return urlsplit(recovery.reset_link(db.session.get(User, user.id))).path


def _join_path(app, make_user, auth):
    from portal.services import invitations

    coordinator = make_user("coordinator")
    with app.test_request_context():
        invitation = invitations.invite(db.session, "newcomer@example.org",
                                        actor=db.session.get(User, coordinator.id))
        db.session.commit()
        return urlsplit(invitations.link_for(invitation)).path


def _half_signed_in(enrolled: bool):
    def sign(app, make_user, auth):
        user = make_user("coordinator", **({} if enrolled else {"mfa_enrolled_at": None}))
        assert auth.password_step(user.email).status_code in (302, 303)
    return sign


def _staff(role):
    def sign(app, make_user, auth):
        user = make_user(role)
        assert auth.login(user.email).status_code in (302, 303)
    return sign


def _staff_with_a_passkey(app, make_user, auth):
    from portal.models import Passkey

    user = make_user("coordinator")
    with app.app_context():
        passkey = Passkey(user_id=user.id, credential_id=b"credential", public_key=b"key",
                          label="Work laptop")
        db.session.add(passkey)
        db.session.commit()
        passkey_id = passkey.id
    assert auth.login(user.email).status_code in (302, 303)
    return passkey_id


def _volunteer(app, make_volunteer, auth):
    with app.app_context():
        email = db.session.get(User, make_volunteer().user_id).email
    assert auth.login(email).status_code in (302, 303)


# Each: who, the page, where its form posts, what is typed (None: nothing chosen), the fields
# the summary must link to, and the typed values that must come back.
CASES = {
    "sign-in": (None, "/sign-in", "/sign-in", {"email": BAD, "password": ""},
                {"email", "password"}, {"email": BAD}),
    "forgot password": (None, "/sign-in/forgot", "/sign-in/forgot", {"email": BAD}, {"email"},
                        {"email": BAD}),
    "reset password": ("reset", None, None, {"password": "short", "password_again": "other"},
                       {"password", "password_again"}, {}),
    "second step set-up": (_half_signed_in(False), "/sign-in/setup", "/sign-in/setup",
                           {"code": "123"}, {"code"}, {"code": "123"}),
    "second step": (_half_signed_in(True), "/sign-in/verify", "/sign-in/verify", {"code": "12"},
                    {"code"}, {"code": "12"}),
    "account password": ("participant", "/account", "/account/password",
                         {"current": "", "password": "short", "password_again": "other"},
                         {"current", "password", "password_again"}, {}),
    "account email": ("participant", "/account", "/account/email", {"email": BAD, "current": ""},
                      {"email", "email_current"}, {"email": BAD}),
    "account phone": ("participant", "/account", "/account/phone",
                      {"phone": "call me", "current": ""}, {"phone", "phone_current"},
                      {"phone": "call me"}),
    "admin settings": (_staff("admin"), "/admin/settings", "/admin/settings",
                       {"program_name": "", "weight_region": "lots"},
                       {"program_name", "weight_region"}, {"weight_region": "lots"}),
    "staff invitation": (_staff("admin"), "/admin/staff", "/admin/staff/invite",
                         {"email": BAD, "role": None}, {"email", "role"}, {"email": BAD}),
    "a request entered by phone": (_staff("coordinator"), "/coordinator/intakes/new",
                                   "/coordinator/intakes/new", {"danger": None}, {"danger"}, {}),
    "the program's lists": (_staff("admin"), "/admin/lists/regions", "/admin/lists/regions",
                            {"label": "", "label_fr": "x" * 90}, {"label", "label_fr"},
                            {"label_fr": "x" * 90}),
    "deleting my data": ("participant", "/my/delete", "/my/delete",
                         {"understood": None, "password": ""}, {"understood", "password"}, {}),
    "closing a request": ("intake", "/coordinator/intakes/{intake}",
                          "/coordinator/intakes/{intake}/close", {"reason": None}, {"close_reason"}, {}),
    "revealing a private detail": ("intake", "/coordinator/intakes/{intake}",
                                   "/coordinator/intakes/{intake}/reveal",
                                   {"field": None, "reason": None}, {"field", "reveal_reason"}, {}),
    "a volunteer's screening": ("applicant", "/coordinator/volunteers/{profile}",
                                "/coordinator/volunteers/{profile}/screening",
                                {"screened_on": "last week"}, {"screened_on"},
                                {"screened_on": "last week"}),
    "removing a passkey": ("passkey", "/account/passkeys/{passkey}/remove",
                           "/account/passkeys/{passkey}/remove", {"code": "12"}, {"code"},
                           {"code": "12"}),
    "volunteer invitation": (_staff("coordinator"), "/coordinator/volunteers/invite",
                             "/coordinator/volunteers/invite", {"email": BAD}, {"email"},
                             {"email": BAD}),
    "volunteer join": ("join", None, None, {"password": "short", "password_again": "other"},
                       {"password", "password_again"}, {}),
    "check-in": ("match", "/volunteer/relationships/{match}",
                 "/volunteer/relationships/{match}/check-ins",
                 {"occurred_on": "someday", "mode": None, "flag": None},
                 {"occurred_on", "mode", "flag"}, {"occurred_on": "someday"}),
    "closing a relationship": ("match", "/volunteer/relationships/{match}/close",
                               "/volunteer/relationships/{match}/close", {"reason": None},
                               {"reason"}, {}),
    "time away": ("volunteer", "/volunteer/availability", "/volunteer/away",
                  {"away_from": "soon", "away_until": "later"}, {"away_from", "away_until"},
                  {"away_from": "soon", "away_until": "later"}),
    "wellbeing": ("volunteer", "/volunteer/care", "/volunteer/care/wellbeing", {"answer": None},
                  {"answer"}, {}),
    "contacts and time": ("volunteer", "/volunteer/care", "/volunteer/care/log",
                          {"day": "yesterday", "hours": "99"}, {"day", "hours"},
                          {"day": "yesterday", "hours": "99"}),
}


@pytest.fixture
def arrive(app, client, auth, make_user, make_volunteer, make_intake):
    """arrive(who, page, action) → the page and action, with the right person signed in."""

    def go(who, page, action):
        if who == "participant":
            _participant(app, make_user, auth)
        elif who == "volunteer":
            _volunteer(app, make_volunteer, auth)
        elif who == "match":
            match_id = _volunteer_with_a_match(app, make_volunteer, make_intake, make_user, auth)
            page, action = page.format(match=match_id), action.format(match=match_id)
        elif who == "intake":
            intake = make_intake()
            _staff("coordinator")(app, make_user, auth)
            page, action = page.format(intake=intake.id), action.format(intake=intake.id)
        elif who == "applicant":
            from portal.models import OnboardingState

            profile = make_volunteer(state=OnboardingState.APPLIED)
            _staff("coordinator")(app, make_user, auth)
            page, action = page.format(profile=profile.id), action.format(profile=profile.id)
        elif who == "passkey":
            passkey_id = _staff_with_a_passkey(app, make_user, auth)
            page, action = page.format(passkey=passkey_id), action.format(passkey=passkey_id)
        elif who == "reset":
            page = action = _reset_path(app, make_user, auth)
        elif who == "join":
            page = action = _join_path(app, make_user, auth)
        elif callable(who):
            who(app, make_user, auth)
        return page, action

    return go


@pytest.mark.parametrize("case", list(CASES))
def test_a_form_sent_with_problems_opens_on_a_summary_linking_to_each_field(client, arrive,
                                                                           case):
    who, page, action, typed, fields, kept = CASES[case]
    page, action = arrive(who, page, action)
    body = send(client, page, action, typed)
    main = main_of(body)
    links = summary_links(main)
    assert fields <= set(links), (sorted(links), sorted(fields))
    ids = set(re.findall(r'\bid="([^"]+)"', body))
    assert [link for link in links if link not in ids] == []
    assert all(len(re.findall(rf'\bid="{re.escape(link)}"', body)) == 1 for link in links)
    first_form = re.search(r"<form\b", main)
    assert first_form is None or main.index('class="error-summary"') < first_form.start()
    for name, value in kept.items():
        assert re.search(rf'<input[^>]*\bname="{name}"[^>]*\bvalue="{re.escape(value)}"'
                         rf'|<input[^>]*\bvalue="{re.escape(value)}"[^>]*\bname="{name}"',
                         main), (name, value)
