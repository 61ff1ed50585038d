"""Follow-through: after a decline or an expiry the next untried suggestion is highlighted,
and nobody who said no (or let an offer run out) is asked again for the same request."""

from __future__ import annotations

import pytest

from portal.models import IntakeState, Match, MatchState
from tests.conftest import HX


def text(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def next_marked(page: str) -> str:
    """The volunteer name in the suggestion marked next to try."""
    start = page.index('id="next-suggestion"')
    head = page[start:page.index("</a>", start)]
    return head.rsplit(">", 1)[1]


@pytest.fixture
def three(make_volunteer):
    """Three volunteers who could all support the request, strongest experience first."""
    return (make_volunteer(name="Ada First", experience=["grief_loss", "isolation"]),
            make_volunteer(name="Bea Second", experience=["grief_loss"]),
            make_volunteer(name="Cy Third", experience=["isolation"]))


def test_the_best_untried_suggestion_is_marked_next(client, staff, make_intake, three, suggest):
    intake = make_intake(concerns=["grief_loss", "isolation"], primary_concern="grief_loss")
    suggest(intake)
    assert next_marked(text(client.get(f"/coordinator/intakes/{intake.id}"))) == "Ada First"


@pytest.mark.parametrize("ending", ["decline", "expire"])
def test_after_a_decline_or_expiry_the_next_suggestion_is_highlighted(
        request, client, staff, make_intake, three, suggest, ending):
    intake = make_intake(concerns=["grief_loss", "isolation"], primary_concern="grief_loss")
    suggest(intake)
    request.getfixturevalue(ending)(intake, three[0])
    page = text(client.get(f"/coordinator/intakes/{intake.id}"))
    assert "Next to try: Bea Second" in page
    assert next_marked(page) == "Bea Second"
    # Until fresh suggestions arrive the stored list still names Ada: shown, but not offerable.
    assert "Already asked for this request" in page
    assert "Offer to Ada First" not in page


def test_fresh_suggestions_never_include_who_declined(app, client, staff, make_intake, three,
                                                      suggest, decline, run_jobs):
    intake = make_intake(concerns=["grief_loss", "isolation"], primary_concern="grief_loss")
    suggest(intake)
    decline(intake, three[0])
    run_jobs()  # the suggestion job the decline queued, on a real worker
    page = text(client.get(f"/coordinator/intakes/{intake.id}"))
    suggestions = page[page.index('id="intake-suggestions"'):page.index('id="intake-actions"')]
    assert "Ada First" not in suggestions and next_marked(page) == "Bea Second"


def test_someone_who_declined_cannot_be_offered_the_request_again(
        app, client, staff, post, make_intake, three, suggest, decline, fetch):
    intake = make_intake(concerns=["grief_loss", "isolation"], primary_concern="grief_loss")
    suggest(intake)
    decline(intake, three[0])
    response = post(f"/coordinator/intakes/{intake.id}/offer",
                    {"volunteer_id": str(three[0].id)}, htmx=True)
    assert response.status_code == 204  # reloads the page with the reason
    with app.app_context():
        from portal.db import db
        from portal.models import Intake

        assert db.session.get(Intake, intake.id).state == IntakeState.WAITING
        states = [m.state for m in db.session.query(Match).filter_by(intake_id=intake.id)]
    assert states == [MatchState.DECLINED]
    assert "Already asked for this request" in text(client.get(f"/coordinator/intakes/{intake.id}"))


def test_after_a_change_request_the_old_peer_is_never_suggested_again(
        client, staff, make_intake, three, suggest, change_requested, run_jobs):
    intake = make_intake(concerns=["grief_loss", "isolation"], primary_concern="grief_loss")
    change_requested(intake, three[0])
    run_jobs()
    page = text(client.get(f"/coordinator/intakes/{intake.id}"))
    assert "A change was asked for; Ada First will not be suggested again." in page
    suggestions = page[page.index('id="intake-suggestions"'):page.index('id="intake-actions"')]
    assert "Ada First" not in suggestions and next_marked(page) == "Bea Second"
    assert "Priority, after a change" in page


def test_the_history_shows_each_offer_and_how_it_ended(
        client, staff, make_intake, three, decline, expire, accept):
    intake = make_intake()
    decline(intake, three[0])
    expire(intake, three[1])
    accept(intake, three[2])
    page = text(client.get(f"/coordinator/intakes/{intake.id}"))
    history = page[page.index('id="intake-history"'):]
    order = [history.index(words) for words in (
        "Declined</strong> · <a", "Expired without an answer</strong>", "Matched</strong>")]
    assert order == sorted(order)
    for name in ("Ada First", "Bea Second", "Cy Third"):
        assert name in history


def test_the_exclusion_counts_are_shown_on_demand_in_plain_words(
        client, staff, make_intake, make_volunteer, suggest):
    intake = make_intake(firms=["Ridgeway LLP"], concerns=["grief_loss"])
    make_volunteer(name="Fran Firm", firm="Ridgeway LLP")
    make_volunteer(name="Bo Boundary", boundaries=["grief_loss"])
    make_volunteer(name="Able Free")
    suggest(intake)
    page = text(client.get(f"/coordinator/intakes/{intake.id}"))
    shown = page[page.index('<details class="exclusions">'):page.index("</details>")]
    assert "Why other volunteers were not suggested" in shown
    assert "<td>Conflict of interest</td><td>1</td>" in shown
    assert "<td>A concern is outside their boundaries</td><td>1</td>" in shown
    assert "Ridgeway" not in shown and "Fran Firm" not in shown


def test_suggestions_show_reasons_in_words_and_the_score(client, staff, make_intake, three,
                                                         suggest):
    intake = make_intake(concerns=["grief_loss", "isolation"], primary_concern="grief_loss")
    suggest(intake)
    part = text(client.get(f"/coordinator/intakes/{intake.id}/suggestions", headers=HX))
    assert part.startswith('<section id="intake-suggestions"')
    assert "Shared experience" in part and "of 100" in part
    assert part.index("Ada First") < part.index("Bea Second")
