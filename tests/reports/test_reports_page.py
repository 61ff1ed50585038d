"""The reports page: aggregates only, suppressed small counts, a CSV of the same."""

from datetime import timedelta

import pytest

from portal.db import db
from portal.models import AuditEvent, Match, MatchState, utcnow


@pytest.fixture
def program(app, make_intake, make_volunteer):
    """Twelve requests this month, three introductions and one change request."""
    volunteer = make_volunteer(name="Reportable Volunteer")
    intakes = [make_intake(alias=f"Canary Person {n}") for n in range(12)]
    now = utcnow()
    with app.app_context():
        for n, intake in enumerate(intakes[:3]):
            db.session.add(Match(intake_id=intake.id, volunteer_id=volunteer.id,
                                 state=MatchState.ACTIVE if n else MatchState.CLOSED,
                                 offered_at=now, activated_at=now + timedelta(hours=5),
                                 closed_at=now + timedelta(hours=6) if n == 0 else None,
                                 close_reason="change_requested" if n == 0 else None))
        db.session.commit()
    return intakes


def test_counts_at_or_above_the_threshold_are_shown(client, login_as, program):
    login_as("coordinator")
    page = client.get("/coordinator/reports/").get_data(as_text=True)
    assert "<td>12</td>" in page


def test_small_counts_are_shown_as_less_than_k(client, login_as, program):
    login_as("coordinator")
    page = client.get("/coordinator/reports/").get_data(as_text=True)
    assert "&lt;10" in page
    assert "<td>3</td>" not in page and "<td>1</td>" not in page


def test_no_report_names_a_person(client, login_as, program):
    login_as("coordinator")
    page = client.get("/coordinator/reports/").get_data(as_text=True)
    csv_text = client.get("/coordinator/reports/export.csv").get_data(as_text=True)
    for text in (page, csv_text):
        assert "Canary Person" not in text and "Reportable Volunteer" not in text and "@example.org" not in text


def test_the_csv_holds_the_same_suppressed_aggregates_and_is_audited(app, client, login_as, program):
    login_as("coordinator")
    response = client.get("/coordinator/reports/export.csv")
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "measure,period,value"
    assert any(line.startswith("Requests received,total,12") for line in lines)
    assert any(line.startswith("Introductions,") and line.endswith("<10") for line in lines)
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="export").count() == 1


def test_quarters_and_a_fragment_for_htmx(client, login_as, program, hx):
    login_as("coordinator")
    fragment = client.get("/coordinator/reports/?period=quarter", headers=hx).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="report">') and " Q" in fragment


def test_odd_query_values_get_a_plain_message_not_an_error(client, login_as):
    login_as("coordinator")
    response = client.get("/coordinator/reports/?period=weekly&from=banana&to=2020-01")
    assert response.status_code == 200
    assert "Period must be month or quarter" in response.get_data(as_text=True)


def test_participants_and_volunteers_cannot_open_reports(client, login_as):
    login_as("volunteer")
    assert client.get("/coordinator/reports/").status_code == 403


def test_the_chart_is_an_inline_svg_with_values_in_text(client, login_as, program):
    login_as("coordinator")
    page = client.get("/coordinator/reports/").get_data(as_text=True)
    assert "<svg" in page and 'class="chart-value">12<' in page


def test_the_page_says_how_small_and_suppressed_cells_read(client, login_as, program):
    login_as("coordinator")
    page = client.get("/coordinator/reports/").get_data(as_text=True)
    assert "are shown as “&lt;10”; a cell hidden so that such a count cannot be worked out" in page
