"""Each page has a title of its own: the first thing a screen reader says, and what tells one
tab or history entry from another."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT_DIR

TEMPLATES = ROOT_DIR / "templates"
TITLE = re.compile(r"{%\s*block (?:page_)?title\s*%}(.*?){%\s*endblock\s*%}", re.S)


def page_templates():
    """Every template that is a whole page (extends the base or the volunteer layout)."""
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        if re.search(r'{%\s*extends "(base|volunteer/layout)\.html"', text):
            yield path.relative_to(TEMPLATES).as_posix(), text


def own_title(text: str) -> str:
    """The template's title block with its inner blocks and the portal's name left out."""
    found = TITLE.search(text)
    return found.group(1).strip() if found else ""


@pytest.mark.parametrize("name", [name for name, _text in page_templates()])
def test_each_page_template_names_its_own_title(name):
    assert own_title((TEMPLATES / name).read_text()), f"{name} has no title block"


def test_no_two_page_templates_share_a_title():
    seen: dict[str, str] = {}
    for name, text in page_templates():
        title = own_title(text)
        assert title not in seen, f"{name} and {seen[title]} share the title {title!r}"
        seen[title] = name


def title_of(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S).group(1)


def test_the_public_pages_and_sign_in_are_told_apart_by_their_titles(client):
    titles = {title_of(client.get(url)) for url in ("/", "/privacy", "/sign-in", "/request")}
    assert len(titles) == 4, titles


def test_the_participants_page_title_never_carries_their_chosen_name(client, make_intake, app, auth):
    from portal.db import db
    from portal.models import User

    intake = make_intake(alias="Morgan")
    with app.app_context():
        auth.login(db.session.get(User, intake.participant_id).email)
    home = client.get("/my")
    assert "Morgan" in home.get_data(as_text=True) and "Morgan" not in title_of(home)
