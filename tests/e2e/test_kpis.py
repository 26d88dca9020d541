"""The KPI pages in a real browser: the manager opens the dashboard, follows a
partner who needs attention, records an assessment in place and offers a
coaching call; the partner reads their own figures; an export downloads."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from playwright.sync_api import expect

from portal.core.clock import local_today
from portal.core.extensions import db

from .helpers import PYTEST_PLAYWRIGHT_DEPRECATION, log_in


@pytest.fixture
def late(make_partner, staff):
    started = local_today() - timedelta(days=40)
    partners = [make_partner(f"Late {n}", f"L{n}", started_on=started) for n in ("Alpha", "Bravo")]
    staff["manager"].can_export = True
    db.session.commit()
    return partners


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_staff_judge_a_partner_from_the_dashboard(late, new_page):
    page = new_page()
    log_in(page, "manager@example.org")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="KPIs").click()
    expect(page.get_by_role("heading", name="KPIs", level=1)).to_be_visible()
    on_time = page.locator('[data-kpi="on_time"]')
    expect(on_time.get_by_test_id("value")).to_have_text("0%")
    expect(on_time.get_by_test_id("state")).to_have_text("Act")
    on_time.get_by_text("Numbers").first.click()  # the chart's numbers, as a table
    expect(on_time.get_by_role("table").first).to_contain_text("Documents on time")

    with page.expect_download() as download:
        page.get_by_test_id("export").click()
        page.get_by_label("Why do you need this export?").fill("Steering committee")
        page.get_by_role("button", name="Download").click()
    with open(download.value.path(), "rb") as file:
        book = openpyxl.load_workbook(io.BytesIO(file.read()))
    assert book.active["A1"].value == "Partner"

    page.get_by_test_id("attention").get_by_role("link", name="Late Alpha").click()
    expect(page.get_by_role("heading", name="KPIs: Late Alpha")).to_be_visible()
    form = page.locator("#assessment-form")
    form.get_by_role("button", name="Record the assessment").click()
    expect(form.get_by_text("Choose a rating.").first).to_be_visible()  # re-rendered in place
    form.get_by_label("Stage").select_option(index=1)
    form.get_by_role("group", name="How well did the partner engage").get_by_label(
        "4 – Very good"
    ).check()
    form.get_by_role("group", name="Did the partner resolve").get_by_label("2 – Fair").check()
    form.get_by_label("Note").fill("Keen, but documents come late.")
    form.get_by_role("button", name="Record the assessment").click()
    expect(page.get_by_test_id("assessments")).to_contain_text("Keen, but documents come late.")
    expect(page.locator('[data-kpi="engagement"]').get_by_test_id("value")).to_have_text("4 / 5")

    page.locator('[data-kpi="on_time"]').get_by_test_id("offer-coaching").click()
    panel = page.locator("#panel")
    expect(panel.get_by_role("heading", name="Offer a coaching call to Late Alpha")).to_be_visible()
    expect(panel.get_by_label("Agenda")).to_have_value(
        "Coaching call: documents on time is past the programme's warning threshold. "
        "What gets in the way, and what would help. Upload each document before its deadline; "
        "ask for a new date before it passes."
    )


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_a_partner_reads_their_own_figures(late, new_page):
    page = new_page()
    log_in(page, late[0][1].email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Our KPIs").click()
    expect(page.get_by_role("heading", name="How we are doing")).to_be_visible()
    expect(page.locator('[data-kpi="on_time"]').get_by_test_id("median")).to_have_text("0%")
    expect(page.get_by_test_id("advice")).to_contain_text("Document submission document 1")
    expect(page.locator("body")).not_to_contain_text("Late Bravo")
    page.get_by_label("Period").select_option(
        label=page.get_by_label("Period").locator("option").nth(1).inner_text()
    )
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("period-form")).to_be_visible()
