"""The quarterly progress report in a real browser: the administrator previews
the email one partner will get (HTMX), sends it, the outbox is delivered, and
the email read at the SMTP server says the stage, the completion and each
remaining action with its deadline."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.core import periods
from portal.core.clock import local_today
from portal.core.i18n import format_day

from .helpers import PYTEST_PLAYWRIGHT_DEPRECATION, deliver_mail, log_in, only_email, text_body

INTRO = "Thank you for a productive quarter. <b>Not bold</b> {{ 7 * 7 }}"


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_admin_previews_and_sends_a_quarterly_report_that_arrives(
    app, staff, make_partner, smtp, new_page, live_server
):
    make_partner(name="Bravo Relief Network", acronym="BRN")
    partner, focal, accreditation = make_partner(name="Kestrel Care", acronym="KC")
    name, focal_email = partner.name, focal.email
    first = accreditation.milestones[0]
    stage, first_due = first.name, first.due_on
    document = first.stage.requirements[0].name
    quarter = periods.quarter_of(local_today()).key
    programme = app.config["PROGRAMME_NAME"]
    subject = f"[{programme}] Quarterly Accreditation Progress Report for {name}"

    page = new_page()
    log_in(page, staff["admin"].email)
    page.goto("/reports/new")
    expect(page.get_by_role("heading", name="Send a progress report", level=1)).to_be_visible()
    page.get_by_label("Period").select_option(quarter)
    page.get_by_label("One partner").check()
    page.get_by_label("Partner", exact=True).select_option(label=name)
    page.get_by_label("Introduction (optional)").fill(INTRO)
    page.get_by_label("Your position").fill("Head of Partnerships")
    page.evaluate("window.__sameDocument = 'yes'")  # gone if the preview reloaded the page
    page.get_by_role("button", name="Preview").click()

    preview = page.get_by_test_id("report-preview")
    expect(preview.get_by_test_id("preview-subject")).to_have_text(subject)
    text = preview.get_by_test_id("preview-text")
    expect(text).to_contain_text(f"Current stage: {stage}")
    expect(text).to_contain_text("Completion: 0%")
    expect(text).to_contain_text(f"Upload {document} (deadline: {format_day(first_due, 'en')})")
    expect(text).to_contain_text(INTRO)  # typed markup and template code stay text
    expect(text).to_contain_text("Head of Partnerships")
    assert page.evaluate("window.__sameDocument") == "yes"

    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", name="Progress reports", level=1)).to_be_visible()
    expect(page.locator("#alerts")).to_contain_text(
        f"The {quarter} report is queued for 1 partner."
    )
    row = page.get_by_test_id("report-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(name)

    deliver_mail(app)
    message = only_email(smtp.inbox, focal_email, subject)
    body = text_body(message)
    assert f"Current stage: {stage}" in body
    assert "Completion: 0%" in body
    assert f"Upload {document} (deadline: {format_day(first_due, 'en')})" in body
    assert INTRO in body and "</b> 49" not in body  # the template code stays text (not 49)
    assert f"{live_server}/accreditation" in body
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "&lt;b&gt;Not bold&lt;/b&gt;" in html
    assert smtp.inbox.to("focal@brn.example.org") == []  # only the partner chosen
