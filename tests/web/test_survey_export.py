"""The survey answers export: one row per answer through the shared export path
(permission, reason, audit), named answers with their person and partner,
anonymous ones with neither and only above the minimum, formulas defused."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from portal.accreditation.decisions import record_decision
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.models import AuditEvent
from tests.helpers import token_for

REASON = "Steering committee: what partners said this quarter"


@pytest.fixture
def answered(world, make_survey, make_user, login):
    """A's focal point answered by name, two colleagues anonymously."""
    a = world.a
    survey = make_survey(world.admin)
    one, two = (make_user(f"{n}@ahi.example.org", partner=a.partner) for n in ("one", "two"))
    record_decision(world.admin, a.accreditation, "not_accredited", "No.", None, local_today())
    rating, choice, text = (f"q{q.id}" for q in survey.questions)
    path = f"/accreditations/{a.accreditation.id}/survey"
    for person, values in (
        (a.focal, {rating: "5", choice: "Review", text: '=HYPERLINK("http://x")'}),
        (one, {rating: "2", choice: "Documents", text: "Slow", "anonymous": "y"}),
        (two, {rating: "3", choice: "Documents", text: "Fine", "anonymous": "y"}),
    ):
        client = login(person.email)
        assert client.post(path, data=values | {"csrf_token": token_for(client)}).status_code == 302
    return survey


@pytest.fixture
def exporter(world, login):
    world.manager.can_export = True
    db.session.commit()
    return login(world.manager.email)


def export(client, query: str = "", fmt: str = "csv"):
    data = {"csrf_token": token_for(client), "format": fmt, "reason": REASON}
    return client.post(f"/export/survey-answers?{query}", data=data)


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_results_page_offers_the_export_to_those_allowed(world, answered, exporter, login):
    assert 'data-testid="export"' in exporter.get("/surveys/results").get_data(as_text=True)
    other = login(world.admin.email)  # staff without the export permission
    assert 'data-testid="export"' not in other.get("/surveys/results").get_data(as_text=True)
    assert export(other).status_code == 403
    partner = login(world.a.focal.email)
    assert export(partner).status_code == 403


def test_named_answers_carry_the_person_and_too_few_anonymous_are_left_out(
    world, answered, exporter
):
    exported = rows(export(exporter, f"partner={world.a.partner.id}"))

    assert {r["Person"] for r in exported} == {world.a.focal.name}
    assert {r["Partner"] for r in exported} == {world.a.partner.name}
    assert [r["Rating"] for r in exported if r["Rating"]] == ["5"]
    assert "Slow" not in {r["Text"] for r in exported}
    # A spreadsheet would run this: it is text.
    assert '\'=HYPERLINK("http://x")' in {r["Text"] for r in exported}
    [event] = db.session.scalars(
        db.select(AuditEvent).filter_by(action="survey_answers_exported")
    ).all()
    assert event.reason == REASON and f"partner={world.a.partner.id}" in str(event.changes)


def test_enough_anonymous_answers_are_exported_without_any_person_or_partner(
    world, answered, exporter, app
):
    app.config["SURVEY_MIN_ANONYMOUS_ANSWERS"] = 2

    exported = rows(export(exporter))

    hidden = [r for r in exported if r["Anonymous"] == "yes"]
    assert {r["Text"] for r in hidden} == {"Slow", "Fine", ""}
    for row in hidden:
        assert row["Person"] == row["Partner"] == row["Answered on"] == row["Cycle link"] == ""
        assert row["Cycle decided"] == ""
    assert {r["Response"] for r in hidden} == {"2", "3"}  # numbered after the named one


def test_the_excel_file_has_numbers_for_ratings(world, answered, exporter):
    response = export(exporter, fmt="xlsx")

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    header = [c.value for c in sheet[1]]
    ratings = [r[header.index("Rating")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert 5 in ratings and all(r is None or isinstance(r, int) for r in ratings)
    assert sheet.freeze_panes == "A2"
