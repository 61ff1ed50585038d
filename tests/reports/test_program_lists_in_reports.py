"""Reports read the program's list of regions: a new region gets its row, a retired one keeps
its row and its words, and every count stays suppressed below the threshold."""

from __future__ import annotations

from portal.db import db
from portal.services import program_lists


def test_requests_by_region_follow_the_list_new_and_retired_entries_included(
        app, client, login_as, make_intake):
    with app.app_context():
        program_lists.add_entry(db.session, "regions", "Canmore")
        db.session.commit()
    for n in range(10):
        make_intake(alias=f"Person {n}", region="canmore")
        make_intake(alias=f"Someone {n}", region="rural_south")
    with app.app_context():
        program_lists.retire_entry(db.session, "regions", "rural_south")
        db.session.commit()
    login_as("coordinator")
    page = client.get("/coordinator/reports/").get_data(as_text=True)
    table = page[page.index("Requests received by region"):]
    rows = {row.split("</th>")[0]: row.split("</tr>")[0]
            for row in table.split('<tr><th scope="row">')[1:]}
    assert rows["Canmore"].endswith("<td>10</td><td>10</td>")
    assert rows['Rural south <span class="hint">(retired)</span>'].endswith(
        "<td>10</td><td>10</td>")
    assert rows["All requests"].startswith("All requests</th>") and "<td>20</td>" in rows[
        "All requests"]
    lines = client.get("/coordinator/reports/export.csv").get_data(as_text=True).splitlines()
    assert any(line.startswith("Requests from Canmore,") and line.endswith(",10") for line in lines)
    assert any(line.startswith("Requests from Rural south,") and line.endswith(",10")
               for line in lines)


def test_a_small_count_in_a_region_is_suppressed_with_its_complement(
        app, client, login_as, make_intake):
    for n in range(11):
        make_intake(alias=f"Person {n}", region="edmonton")
    make_intake(region="lethbridge")
    login_as("coordinator")
    page = client.get("/coordinator/reports/").get_data(as_text=True)
    table = page[page.index("Requests received by region"):]
    assert "<td>1</td>" not in table and "<td>11</td>" not in table
    assert "&lt;10" in table and "suppressed" in table
