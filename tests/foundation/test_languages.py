"""English or French: the person's choice, remembered without a session, then their browser's.

<html lang> follows the language shown, and emails go in the language the recipient chose.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import LanguageAccept

from portal.db import db
from portal.models import ServerSession, User
from portal.services import language, notifications
from workers.jobs.account_mail import send_password_reset

FRENCH = {"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)">', response.get_data(as_text=True)).group(1)


def session_rows(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(ServerSession)).scalar()


def stored_language(app, user) -> str | None:
    with app.app_context():
        return db.session.get(User, user.id).language


def choose(client, code: str, back: str = "/privacy"):
    return client.post("/language", data={"lang": code, "next": back})


# ------------------------------------------------------------ the rule, directly

def test_the_account_choice_comes_before_the_cookie_and_the_browser():
    assert language.pick("fr", "en", LanguageAccept([("en", 1)])) == "fr"


def test_the_cookie_comes_before_the_browser():
    assert language.pick(None, "fr", LanguageAccept([("en", 1)])) == "fr"


def test_the_browser_language_is_used_when_nobody_chose():
    assert language.pick(None, None, LanguageAccept([("fr-CA", 1), ("en", 0.5)])) == "fr"


def test_english_when_nothing_says_otherwise_or_the_values_are_unknown():
    assert language.pick(None, None, LanguageAccept([("de", 1)])) == "en"
    assert language.pick("xx", "<script>", None) == "en"


# ------------------------------------------------------------ pages

def test_a_page_is_english_with_lang_en_by_default(client):
    response = client.get("/")
    assert html_lang(response) == "en"
    assert "Ask for a peer" in response.get_data(as_text=True)


def test_a_french_browser_gets_the_page_in_french_with_lang_fr(client):
    response = client.get("/", headers=FRENCH)
    body = response.get_data(as_text=True)
    assert html_lang(response) == "fr"
    assert "Demander un pair" in body and "Sortie rapide" in body
    assert "Ask for a peer" not in body
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize("path", ["/", "/privacy", "/sign-in", "/request"])
def test_every_page_offers_the_other_language_by_a_plain_form_back_to_itself(client, path):
    english = client.get(path).get_data(as_text=True)
    assert re.search(r'<form method="post" action="/language"', english), path
    assert f'name="next" value="{path}"' in english
    assert 'name="lang" value="fr" lang="fr"' in english and ">Français<" in english
    french = client.get(path, headers=FRENCH).get_data(as_text=True)
    assert 'name="lang" value="en" lang="en"' in french and ">English<" in french


def test_choosing_french_goes_back_to_the_page_and_is_remembered_in_a_cookie(app, client):
    response = choose(client, "fr", "/privacy?x=1")
    assert response.status_code == 303 and response.headers["Location"] == "/privacy?x=1"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=fr;") and "SameSite=Lax" in cookie and "HttpOnly" in cookie
    page = client.get("/privacy", headers={"Accept-Language": "en"})
    assert html_lang(page) == "fr"
    assert "Comment nous prenons soin de vos renseignements" in page.get_data(as_text=True)
    assert session_rows(app) == 0  # remembered without a session


def test_choosing_english_overrides_a_french_browser(client):
    choose(client, "en")
    assert html_lang(client.get("/", headers=FRENCH)) == "en"


def test_an_unknown_language_changes_nothing(client):
    response = choose(client, "de")
    assert response.status_code == 303 and "Set-Cookie" not in response.headers
    assert html_lang(client.get("/")) == "en"


def test_the_choice_never_sends_anyone_off_the_site(client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        assert choose(client, "fr", target).headers["Location"] == "/"


def test_a_signed_in_choice_is_kept_on_the_account_and_follows_them_elsewhere(
        app, client, login_as, auth):
    user = login_as("participant")
    assert choose(client, "fr", "/my").headers["Location"] == "/my"
    assert stored_language(app, user) == "fr"
    other = app.test_client()  # another browser: no cookie, an English browser
    type(auth)(other).login(user.email)
    assert html_lang(other.get("/privacy", headers={"Accept-Language": "en"})) == "fr"


# ------------------------------------------------------------ emails

def test_a_french_speaking_volunteer_gets_their_email_in_french(app, make_user, mail, run_jobs):
    volunteer = make_user("volunteer", language="fr")
    with app.app_context():
        notifications.notify(db.session, db.session.get(User, volunteer.id), "offer")
        db.session.commit()
    run_jobs()
    [message] = mail
    assert message["Subject"] == "Une mise à jour dans votre portail des membres"
    body = message.get_content()
    assert body.startswith("Bonjour,") and "https://portal.test/sign-in" in body


def test_someone_who_chose_no_language_gets_their_email_in_english(
        app, make_user, mail, run_jobs):
    person = make_user("volunteer")
    with app.app_context():
        notifications.notify(db.session, db.session.get(User, person.id), "offer")
        db.session.commit()
    run_jobs()
    assert mail[0]["Subject"] == "An update in your member portal"


def test_a_password_reset_link_goes_in_the_account_language(app, make_user, mail):
    user = make_user("participant", language="fr")
    with app.app_context():
        send_password_reset(db.session, str(user.id))
    [message] = mail
    assert message["Subject"] == "Votre connexion au portail des membres"
    assert "Un nouveau mot de passe a été demandé" in message.get_content()


def test_signing_in_keeps_the_language_read_so_far_for_an_account_without_one(
        app, client, make_user, auth):
    user = make_user("volunteer")
    choose(client, "fr")
    auth.login(user.email)
    assert stored_language(app, user) == "fr"


def test_signing_in_never_replaces_a_language_the_account_chose(app, client, make_user, auth):
    user = make_user("volunteer", language="en")
    auth.login(user.email, headers=FRENCH)
    assert stored_language(app, user) == "en"


def test_a_second_app_in_the_process_reads_no_wtforms_catalogue_again(config, tmp_path, monkeypatch):
    """WTForms' catalogues are read once per process and language, not again by each app."""
    from babel import support

    from portal import create_app, i18n

    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "first"))
    create_app(dict(config))  # this process's catalogues, read now if nobody had yet
    reads = []
    original = support.Translations.load

    def counted(*args, **kwargs):
        reads.append(kwargs.get("domain"))
        return original(*args, **kwargs)

    monkeypatch.setattr(support.Translations, "load", counted)
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "again"))
    create_app(dict(config))
    assert "wtforms" not in reads
    assert set(i18n.wtforms_messages._loaded) == set(language.LANGUAGES)
