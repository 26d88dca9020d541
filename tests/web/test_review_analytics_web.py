"""The review analytics page and its exports, as staff use them: who may read it,
filters in the address, no 0% for an empty period, hostile values answered as
the sender's error, every table exported with the page's filters, and the same
number of SQL statements for 3 partners as for 30."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest

from portal.accreditation.submissions import review_submission, submit_document
from portal.core.extensions import db
from portal.models import AuditEvent
from tests.helpers import a_reason, file_upload, requirements_of, token_for

Q3 = "/review/analytics?period=2026-Q3"
EXPORTS = [
    "review-sent-back",
    "review-reasons",
    "review-stages",
    "review-partner-types",
    "review-districts",
    "review-reviewers",
]


def section(page: str, name: str) -> str:
    match = re.search(rf'data-testid="table-{name}">(.*?)</section>', page, re.S)
    assert match, f"no table {name}"
    return match.group(1)


def cells(html: str) -> list[list[str]]:
    """The rows of a table as lists of cell texts (tags and spacing dropped)."""
    rows = re.findall(r'<tr data-testid="row">(.*?)</tr>', html, re.S)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", c).split())
            for c in re.findall(r"<td>(.*?)</td>", r, re.S)
        ]
        for r in rows
    ]


@pytest.fixture
def manager(review_world, login):
    return login(review_world.manager.email)


def test_managers_read_every_table_with_numerators_and_denominators(manager):
    response = manager.get(Q3)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "2026 Q3 (Jul 2026 – Sep 2026)" in page
    sent_back = cells(section(page, "sent-back"))
    assert sent_back[0] == [
        "Template 1",
        "Document submission document 1",
        "5",
        "60% (3 of 5)",
        "Not signed (2), Illegible (1)",
    ]
    assert '<span title="3 of 5">60%</span>' in section(page, "sent-back")
    assert cells(section(page, "reasons"))[:2] == [
        ["Not signed", "67% (2 of 3)"],
        ["Illegible (retired)", "33% (1 of 3)"],
    ]
    stages = cells(section(page, "stages"))
    assert stages[0] == [
        "Compliance review",
        "1",
        "46",
        "30",
        "16",
        "100% (1 of 1)",
        "2 (up to 52 days)",
    ]
    assert stages[2][:6] == ["Final approval", "0", "—", "—", "—", "—"]  # no 0%
    assert cells(section(page, "review-districts"))[-1] == [
        "No district recorded",
        "1",
        "0% (0 of 2)",
        "50% (2 of 4)",
        "2",
    ]
    reviewers = cells(section(page, "reviewers"))
    assert reviewers[0][:4] == ["Ada Admin", "4", "5.5", "50% (2 of 4)"]
    assert reviewers[2][:5] == ["Rita Reviewer", "0", "—", "—", "1"]
    assert 'data-testid="no-data"' not in page


def test_partners_are_refused_the_analytics_and_the_reasons(review_world, login):
    focal = login(review_world.partners["Alpha"].users[0].email)
    for path in (Q3, "/review/reasons", "/export/review-sent-back?period=2026-Q3"):
        assert focal.get(path).status_code in (403, 404), path


def test_the_queue_links_the_analytics(manager):
    page = manager.get("/review").get_data(as_text=True)
    assert 'href="/review/analytics"' in page
    assert 'href="/review/reasons"' not in page  # the manager does not keep the list


def test_the_filters_live_in_the_address(review_world, login):
    review_world.manager.can_export = True
    db.session.commit()
    manager = login(review_world.manager.email)
    path = f"{Q3}&type=supervision&district=M"
    page = manager.get(path).get_data(as_text=True)
    assert '<option value="supervision" selected>' in page
    assert '<option value="M" selected>' in page
    assert cells(section(page, "sent-back")) == [
        [
            "Template 1",
            "Document submission document 1",
            "2",
            "100% (2 of 2)",
            "Not signed (1), Illegible (1)",  # equal counts: in the list's order
        ]
    ]
    # The export links carry the same filters.
    assert "/export/review-sent-back?period=2026-Q3&amp;type=supervision&amp;district=M" in page

    fragment = manager.get(path, headers={"HX-Request": "true"})
    assert (
        fragment.headers["HX-Push-Url"]
        == "/review/analytics?period=2026-Q3&type=supervision&district=M"
    )
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="analytics-results"')
    assert "<form" not in body.split('id="analytics-results"')[0]


def test_a_period_with_no_data_says_so_instead_of_zero_percent(manager):
    page = manager.get("/review/analytics?period=2025-Q1").get_data(as_text=True)
    for name in ("sent-back", "reasons", "stages", "review-partner-types", "reviewers"):
        assert "No data yet for this period." in section(page, name), name
    assert "0%" not in page
    # What stands open today is still shown, without a figure for the period.
    assert cells(section(page, "stages"))[0][5] == "—"


@pytest.mark.parametrize(
    "query",
    [
        "period=2026-Q9",
        "period=0000-Q1",
        "period=FY9999",
        "period=" + "9" * 5000,
        "period=2026-01-01..2031-12-31",
        "type=%3Cscript%3E",
        "district=' OR 1=1 --",
        "family=99999999999999999999",
        "family=-1",
        "family=%D9%A3",
    ],
)
def test_hostile_filters_are_the_senders_error(manager, query):
    response = manager.get(f"/review/analytics?{query}")
    assert response.status_code == 422, query
    assert 'data-testid="filter-error"' in response.get_data(as_text=True)


def test_nul_in_the_address_is_a_bad_request(manager):
    assert manager.get("/review/analytics?period=2026-Q3%00").status_code == 400


# --- exports ------------------------------------------------------------------


def export(client, name: str, query: str, fmt: str = "csv"):
    data = {"csrf_token": token_for(client), "format": fmt, "reason": "Quarterly review meeting"}
    return client.post(f"/export/{name}?{query}", data=data)


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


@pytest.fixture
def exporter(review_world, login):
    review_world.manager.can_export = True
    db.session.commit()
    return login(review_world.manager.email)


def test_every_table_exports_the_rows_the_page_shows(exporter):
    query = "period=2026-Q3"
    rows = {name: csv_rows(export(exporter, name, query)) for name in EXPORTS}

    assert rows["review-sent-back"][0] == {
        "Template": "Template 1",
        "Requirement": "Document submission document 1",
        "Reviews": "5",
        "Sent back": "3",
        "Share sent back": "0.6",
        "Most given reasons": "Not signed: 2; Illegible: 1",
    }
    assert [
        (r["Reason"], r["Sent back for it"], r["All sent back"]) for r in rows["review-reasons"]
    ][:2] == [
        ("Not signed", "2", "3"),
        ("Illegible", "1", "3"),
    ]
    stage = rows["review-stages"][1]
    assert (stage["Stage"], stage["Median actual days"], stage["Median days over plan"]) == (
        "Document submission",
        "20.0",
        "-10.0",  # a negative number, not a formula to defuse
    )
    assert rows["review-stages"][2]["Share late"] == ""  # nothing completed: no figure
    assert [r["Partnership type"] for r in rows["review-partner-types"]] == [
        "Funding",
        "Supervision",
        "Technical assistance",
    ]
    assert [r["District"] for r in rows["review-districts"]] == [
        "Kasenga",
        "Mbala",
        "No district recorded",
    ]
    reviewer = rows["review-reviewers"][0]
    assert (reviewer["Reviewer"], reviewer["Median working days to decide"]) == ("Ada Admin", "5.5")
    assert reviewer["Share within 5 working days"] == "0.5"
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "review_sent_back_exported")
    ).all()
    assert len(events) == 1
    assert "period=2026-Q3" in events[0].changes["exported"][1]


def test_an_export_keeps_the_page_filters_and_types_its_cells(review_world, exporter):
    response = export(exporter, "review-partner-types", "period=2026-Q3&type=supervision", "xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[0] == "Partnership type"
    # Bravo and Charlie are of the type; Bravo is funding too, so that row shows.
    assert [r[0] for r in rows] == ["Funding", "Supervision"]
    supervision = rows[1]
    assert supervision[1:5] == (2, 2, 2, 1)
    assert sheet.cell(row=3, column=5).number_format == "0.0%"


def test_an_export_with_filters_typed_into_the_address_is_refused(exporter):
    response = export(exporter, "review-reviewers", "period=2026-Q9")
    assert response.status_code == 400
    assert (
        db.session.scalar(
            db.select(db.func.count(AuditEvent.id)).where(
                AuditEvent.action == "review_reviewers_exported"
            )
        )
        == 0
    )


# --- statements ------------------------------------------------------------------


def test_the_page_costs_the_same_statements_for_3_partners_as_for_30(
    staff, make_partner, login, count_queries, pdf_bytes
):
    reason = a_reason("Not signed")
    manager = login(staff["manager"].email)

    def add(numbers):
        for n in numbers:
            _, focal, accreditation = make_partner(f"Partner {n}", f"P{n}")
            first, second, *_ = requirements_of(accreditation)
            sent = submit_document(focal, accreditation, first, file_upload(pdf_bytes, "a.pdf"))
            review_submission(staff["admin"], sent, "request_changes", "Sign it.", reason)
            submit_document(focal, accreditation, first, file_upload(pdf_bytes, "b.pdf"))
            done = submit_document(focal, accreditation, second, file_upload(pdf_bytes, "c.pdf"))
            review_submission(staff["manager"], done, "approve", "")

    def measure() -> int:
        assert manager.get("/review/analytics").status_code == 200
        with count_queries() as counter:
            response = manager.get("/review/analytics")
        assert response.status_code == 200
        return counter.count

    add(range(3))
    small = measure()
    add(range(3, 30))
    large = measure()
    print(f"\n/review/analytics: {small} statements with 3 partners, {large} with 30")
    assert small == large
