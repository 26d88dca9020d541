"""Exports: a permission of its own, a reason each time, every matching row,
and files a spreadsheet opens rightly (accents, types, no formulas run)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest

from portal.accreditation.submissions import submit_document
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.demo import sample_pdf
from portal.models import AuditEvent, User
from portal.review.assignment import assign_reviewer
from tests.helpers import file_upload, make_prospect, token_for

REASON = "Quarterly report to the steering committee"


@pytest.fixture
def partners(make_partner, staff):
    """Late (started 40 days ago, nothing in) and Waiting (a document waiting for
    review, assigned to the manager)."""
    late = make_partner("Late Partner", "LP", started_on=local_today() - timedelta(days=40))
    waiting = make_partner("Waiting Partner", "WP")
    requirement = waiting[2].milestones[0].stage.requirements[0]
    upload = file_upload(sample_pdf("doc"), "document.pdf")
    submission = submit_document(waiting[1], waiting[2], requirement, upload)
    assign_reviewer(staff["admin"], submission, staff["manager"])
    return late, waiting


def may_export(user: User) -> User:
    user.can_export = True
    db.session.commit()
    return user


@pytest.fixture
def exporter(login, staff):
    """The programme manager, given the export permission."""
    return login(may_export(staff["manager"]).email)


def export(client, name: str, query: str = "", fmt: str = "csv", reason: str = REASON):
    data = {"csrf_token": token_for(client), "format": fmt, "reason": reason}
    return client.post(f"/export/{name}?{query}", data=data)


def csv_rows(response) -> list[dict]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode()), "Excel needs the byte order mark for accents"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def exported_events() -> list[AuditEvent]:
    return db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action.like("%_exported")).order_by(AuditEvent.id)
    ).all()


# --- the permission --------------------------------------------------------------


def test_staff_without_the_export_permission_see_no_button_and_are_refused(partners, login):
    for email in ("admin@example.org", "manager@example.org"):
        client = login(email)
        assert 'data-testid="export"' not in client.get("/accreditations").get_data(as_text=True)
        assert client.get("/export/accreditations").status_code == 403
        assert export(client, "accreditations").status_code == 403
    assert exported_events() == []


def test_a_partner_user_may_never_export(partners, login):
    focal = partners[0][1]
    focal.can_export = True  # even a stray flag on a partner account gives nothing
    db.session.commit()
    client = login(focal.email)
    assert export(client, "partners").status_code == 403
    assert export(client, "accreditations").status_code == 403


def test_the_button_opens_the_form_which_asks_for_the_reason(partners, exporter):
    page = exporter.get("/accreditations?waiting=1").get_data(as_text=True)
    assert 'href="/export/accreditations?waiting=1"' in page
    form = exporter.get("/export/accreditations?waiting=1").get_data(as_text=True)
    assert "Why do you need this export?" in form
    assert 'action="/export/accreditations?waiting=1"' in form


def test_no_reason_no_file_and_the_error_is_next_to_the_field(partners, exporter):
    response = export(exporter, "accreditations", reason="  ")
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert "Say why you need it" in response.get_data(as_text=True)
    assert exported_events() == []


def test_an_unknown_export_or_format_is_not_a_file(partners, exporter):
    assert exporter.get("/export/nothing-such").status_code == 404
    response = export(exporter, "accreditations", fmt="pdf")
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)


# --- accreditations ---------------------------------------------------------------


def test_the_accreditations_export_has_every_matching_row_not_one_page(partners, exporter, app):
    app.config["ACCREDITATIONS_PER_PAGE"] = 1
    response = export(exporter, "accreditations", "sort=partner")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    late, waiting = csv_rows(response)
    assert (late["Partner"], waiting["Partner"]) == ("Late Partner", "Waiting Partner")
    assert late["Overdue"] == "yes" and late["Completion"] == "0.0"
    assert late["Next due"] == (local_today() - timedelta(days=10)).isoformat()
    assert late["Current stage"] == "Document submission"
    assert waiting["Waiting for review"] == "1" and waiting["Reviewers"] == "Manu Manager"
    assert waiting["Link"].endswith(f"/accreditations/{partners[1][2].id}")
    (event,) = exported_events()
    assert event.action == "accreditations_exported"
    assert event.reason == REASON
    assert event.actor.email == "manager@example.org"
    assert event.changes["exported"][1] == "2 rows of Accreditations as CSV; filters: sort=partner"


def test_the_accreditations_export_applies_the_filters(partners, exporter):
    rows = csv_rows(export(exporter, "accreditations", "waiting=1"))
    assert [r["Partner"] for r in rows] == ["Waiting Partner"]
    assert "filters: waiting=1" in exported_events()[0].changes["exported"][1]


# --- partners ---------------------------------------------------------------------


def test_the_partner_export_carries_the_contacts_and_keeps_accents(
    partners, make_partner, exporter
):
    make_partner("Santé Sans Frontières", "SSF")
    rows = csv_rows(export(exporter, "partners", "q=sant"))
    assert [r["Partner"] for r in rows] == ["Santé Sans Frontières"]
    (row,) = rows
    assert row["Contact email"] == "focal@ssf.example.org"
    assert row["Status"] == "Active" and row["Current stage"] == "Document submission"


def test_a_prospective_partner_is_exported_with_its_status_in_words(partners, staff, exporter):
    make_prospect(staff["admin"], "Hillside Prospect", "prospect@example.org")
    (row,) = csv_rows(export(exporter, "partners", "q=hillside"))
    assert row["Status"] == "Prospective"


def test_formula_like_text_stays_text_in_csv_and_in_excel(partners, make_partner, exporter):
    make_partner('=HYPERLINK("http://evil.example","x")', "EV")
    names = [r["Partner"] for r in csv_rows(export(exporter, "partners", "q=hyperlink"))]
    assert names == ['\'=HYPERLINK("http://evil.example","x")']
    book = openpyxl.load_workbook(io.BytesIO(export(exporter, "partners", fmt="xlsx").data))
    cells = [row[0] for row in book.active.iter_rows(min_row=2)]
    evil = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert evil.data_type == "s" and evil.value.startswith("=")  # shown, never run


def test_the_excel_file_has_typed_cells_and_a_frozen_header(partners, exporter):
    response = export(exporter, "accreditations", "sort=partner", fmt="xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    late = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    waiting = dict(zip(header, [c.value for c in sheet[3]], strict=True))
    assert late["Partner"] == "Late Partner"
    assert (
        late["Completion"] == 0
        and sheet.cell(2, header.index("Completion") + 1).number_format == "0.0%"
    )
    assert late["Next due"].date() == local_today() - timedelta(days=10)
    assert late["Overdue"] is True
    assert waiting["Waiting for review"] == 1
    assert isinstance(waiting["Waiting since"].date(), date)
    assert "2 rows of Accreditations as XLSX" in exported_events()[0].changes["exported"][1]


# --- who may export ------------------------------------------------------------------


def test_administrators_give_and_take_the_permission_from_the_command_line(staff, runner):
    result = runner.invoke(
        args=["export-permission", "manager@example.org", "--reason", "Monitoring officer"]
    )
    assert result.exit_code == 0, result.output
    manager = db.session.get(User, staff["manager"].id)
    db.session.refresh(manager)
    assert manager.can_export
    result = runner.invoke(
        args=["export-permission", "manager@example.org", "--revoke", "--reason", "Left"]
    )
    db.session.refresh(manager)
    assert result.exit_code == 0 and not manager.can_export
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "export_permission_changed")
    ).all()
    assert [(e.changes["can_export"], e.reason) for e in events] == [
        ([False, True], "Monitoring officer"),
        ([True, False], "Left"),
    ]


def test_the_permission_is_for_staff_accounts_only(partners, runner):
    result = runner.invoke(args=["export-permission", partners[0][1].email, "--reason", "x"])
    assert result.exit_code != 0 and "not a staff member" in result.output


def test_the_submissions_export_has_each_version_with_its_review(partners, exporter):
    rows = csv_rows(export(exporter, "submissions"))
    assert [(r["Partner"], r["Version"], r["Status"]) for r in rows] == [
        ("Waiting Partner", "1", "Submitted – awaiting review")
    ]
    assert len(rows[0]["SHA-256"]) == 64 and rows[0]["Reviewed"] == ""
    assert not any("storage" in column.lower() for column in rows[0])  # metadata only
    assert "uploads in" in exported_events()[0].changes["exported"][1]
