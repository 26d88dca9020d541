"""Progress reports in the browser's terms: the administrator composes,
previews (HTMX) and sends; a repeat needs "Send again"; the manager previews
but cannot send; partners read their own reports and PDFs and never another's."""

from __future__ import annotations

import io
from datetime import timedelta
from html import unescape

from pypdf import PdfReader

from portal.core import periods
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.models import OutboxEmail, ProgressReport
from tests.helpers import token_for


def this_quarter() -> str:
    """The quarter the app is in today (the programme's today, read when asked)."""
    return periods.quarter_of(local_today()).key


def _form(token: str, partner_id: int, **changes) -> dict:
    values = {
        "csrf_token": token,
        "period": this_quarter(),
        "recipients": "one",
        "type": "",
        "status": "active",
        "partner": str(partner_id),
        "intro": "Thank you for this quarter.",
        "position": "Programme Director",
    }
    return values | changes


def _reports() -> list[ProgressReport]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(ProgressReport).order_by(ProgressReport.id)))


def _report_emails() -> list[OutboxEmail]:
    return list(db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.template == "report")))


def test_the_admin_previews_the_exact_email_then_sends_it(world, login):
    a = world.a
    client = login(world.admin.email)
    page = client.get("/reports/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Send a progress report" in html and this_quarter() in html and a.partner.name in html

    query = {**_form("", a.partner.id), "partner_id": a.partner.id}
    query.pop("csrf_token")
    fragment = client.get("/reports/preview", query_string=query, headers={"HX-Request": "true"})
    raw = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and '<main id="main">' not in raw  # the fragment only
    assert raw.lstrip().startswith('<section id="report-preview"')
    body = unescape(raw)
    assert f"Quarterly Accreditation Progress Report for {a.partner.name}" in body
    assert "Thank you for this quarter." in body and "Programme Director" in body
    assert "Current stage: Document submission" in body

    response = client.post("/reports/new", data=_form(token_for(client), a.partner.id))
    assert response.status_code == 302 and response.location == f"/reports?period={this_quarter()}"
    (report,) = _reports()
    assert report.partner_id == a.partner.id and report.email.recipients == a.focal.email
    assert report.body_text in body  # the preview showed exactly what was queued
    listing = client.get(f"/reports?period={this_quarter()}").get_data(as_text=True)
    assert "queued for 1 partner" in listing
    assert a.partner.name in listing and 'data-testid="report-row"' in listing


def test_a_second_send_of_the_same_quarter_needs_confirmation(world, login):
    a = world.a
    client = login(world.admin.email)
    token = token_for(client)
    assert client.post("/reports/new", data=_form(token, a.partner.id)).status_code == 302

    again = client.post("/reports/new", data=_form(token, a.partner.id))
    html = again.get_data(as_text=True)
    assert again.status_code == 422
    assert 'data-testid="already-sent"' in html and "Send again" in html
    assert len(_reports()) == 1 and len(_report_emails()) == 1

    confirmed = client.post("/reports/new", data=_form(token, a.partner.id, confirm="y"))
    assert confirmed.status_code == 302
    assert len(_reports()) == 2 and len(_report_emails()) == 2


def test_bad_input_is_answered_next_to_the_field_and_nothing_is_queued(world, login):
    a, b = world.a, world.b
    client = login(world.admin.email)
    token = token_for(client)
    upcoming = periods.quarter_of(periods.parse(this_quarter()).end + timedelta(days=1))
    response = client.post("/reports/new", data=_form(token, a.partner.id, period=upcoming.key))
    assert response.status_code == 422
    assert f"{upcoming.key} has not started yet" in response.get_data(as_text=True)

    b.focal.active = False
    db.session.commit()
    response = client.post("/reports/new", data=_form(token, b.partner.id))
    assert response.status_code == 422
    assert "no active user with an email address" in response.get_data(as_text=True)

    response = client.post("/reports/new", data=_form(token, a.partner.id, partner=""))
    assert response.status_code == 422
    assert "Choose the partner" in response.get_data(as_text=True)
    assert _reports() == [] and _report_emails() == []


def test_the_manager_previews_but_may_not_send(world, login):
    a = world.a
    client = login(world.manager.email)
    page = client.get("/reports/new").get_data(as_text=True)
    assert "Only administrators send reports." in page
    preview = client.get("/reports/preview", query_string={"partner_id": a.partner.id})
    assert preview.status_code == 200 and a.partner.name in preview.get_data(as_text=True)
    response = client.post("/reports/new", data=_form(token_for(client), a.partner.id))
    assert response.status_code == 403
    assert _reports() == []


def test_partners_read_their_own_reports_and_pdf_and_never_another_partners(world, login):
    a, b = world.a, world.b
    admin = login(world.admin.email)
    admin.post("/reports/new", data=_form(token_for(admin), a.partner.id))
    (report,) = _reports()

    client = login(a.focal.email)
    listing = client.get("/organisation/reports").get_data(as_text=True)
    assert report.subject in listing
    page = client.get(f"/organisation/reports?report={report.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Document submission" in html and "Thank you for this quarter." in html
    pdf = client.get(f"/organisation/reports/pdf?report={report.id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Thank you for this quarter." in text and "Document submission" in text

    other = login(b.focal.email)
    assert a.partner.name not in other.get("/organisation/reports").get_data(as_text=True)
    assert other.get(f"/organisation/reports?report={report.id}").status_code == 404
    assert other.get(f"/organisation/reports/pdf?report={report.id}").status_code == 404
    assert other.get("/organisation/reports?report=nonsense").status_code == 404
    assert other.get("/reports").status_code == 403
    assert other.get("/reports/preview").status_code == 403


def test_the_sent_list_takes_the_same_queries_for_more_reports(world, login, count_queries):
    client = login(world.admin.email)
    token = token_for(client)
    client.post("/reports/new", data=_form(token, world.a.partner.id))

    def measure() -> int:
        with count_queries() as q:
            assert client.get("/reports").status_code == 200
        return q.count

    one = measure()
    client.post("/reports/new", data=_form(token, world.b.partner.id))
    client.post("/reports/new", data=_form(token, world.a.partner.id, confirm="y"))
    assert measure() == one
