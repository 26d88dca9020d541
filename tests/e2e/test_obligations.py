"""An obligation missed and reminded, as people click it: an administrator opens
an agreement from the standard template; the first quarter's due date passes
with nothing observed; the daily run reminds each side's responsible people
through the outbox; both sides see the obligations missed on their pages; the
partner uploads its report late, and both sides see it late."""

from __future__ import annotations

from datetime import date, time

import pytest
from playwright.sync_api import expect

from portal.core.extensions import db
from portal.models import Notification, OutboxEmail
from portal.reminders.daily import run
from tests.obligations_world import standard_template

from .helpers import PYTEST_PLAYWRIGHT_DEPRECATION, deliver_mail, log_in, only_email, text_body
from .partner_helpers import open_partner, screenshot, section

OPENED = date(2027, 1, 4)  # a Monday
STARTS = date(2027, 1, 1)
FIRST_DUE = date(2027, 3, 31)  # three months after the start, the day before
LATER = date(2027, 4, 9)  # nine days after: past the seven days' grace


def _obligation(page, text: str):
    return page.get_by_test_id("obligation").filter(has_text=text)


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_an_obligation_missed_and_reminded(
    app, staff, make_partner, clock, smtp, new_page, live_server, pdf_bytes, tmp_path
):
    clock.set(OPENED, time(9, 0))
    partner, focal, _ = make_partner("Lakeside Clinics Network", "LCN")
    standard_template()

    admin = new_page()
    log_in(admin, staff["admin"].email)
    open_partner(admin, partner.id, "Lakeside Clinics Network")
    terms = section(admin, "Agreement terms")
    expect(terms).to_contain_text("No agreement terms recorded yet.")
    terms.get_by_role("link", name="Open an agreement").click()
    panel = admin.locator("#panel")
    title = panel.get_by_label("Title")
    expect(title).to_be_focused()
    # Without a start day the agreement is refused next to the field, and nothing is saved.
    title.fill("LCN supervision agreement 2027")
    panel.get_by_role("button", name="Open the agreement").click()
    expect(panel.locator(".field", has=admin.get_by_label("Starts on"))).to_contain_text(
        "Enter the day the agreement starts."
    )
    panel.get_by_label("Starts on").fill(STARTS.isoformat())
    panel.get_by_label("Standard obligations").select_option(label="Standard partnership terms")
    panel.get_by_role("button", name="Open the agreement").click()
    expect(admin.get_by_text("Agreement opened with 3 obligations")).to_be_visible()
    terms = section(admin, "Agreement terms")
    report = _obligation(terms, "Submits its quarterly activity report")
    expect(report.get_by_test_id("obligation-status")).to_have_text("Pending")
    expect(report).to_contain_text("2027-Q1, due 31 Mar 2027")
    screenshot(admin, "obligations-opened")

    # The quarter ends; nothing is uploaded or confirmed. The daily run reminds.
    clock.set(LATER, time(7, 0))
    summary = run(LATER)
    assert summary.obligation_reminders == 2  # the partner's focal point, the administrator
    assert run(LATER).obligation_reminders == 0  # a second run the same day sends nothing
    reminder = db.session.scalar(
        db.select(OutboxEmail).where(
            OutboxEmail.template == "obligation_due", OutboxEmail.recipients == focal.email
        )
    )
    assert reminder is not None and reminder.status == "pending"
    deliver_mail(app)
    programme = app.config["PROGRAMME_NAME"]
    message = only_email(smtp.inbox, focal.email, f"[{programme}] Obligations due: 1 (1 overdue)")
    assert "Partner: Submits its quarterly activity report" in text_body(message)
    assert "was due 31 Mar 2027" in text_body(message)
    bell = db.session.scalars(db.select(Notification).filter_by(kind="obligation_due")).all()
    assert {n.user_id for n in bell} == {focal.id, staff["admin"].id}

    # The partner sees its own obligation and the programme's, both missed.
    lcn = new_page()
    log_in(lcn, focal.email)
    lcn.goto("/organisation")
    lcn.get_by_role("navigation", name="Organisation").get_by_role("link", name="Agreement").click()
    mine = _obligation(lcn, "Submits its quarterly activity report")
    expect(mine.get_by_test_id("obligation-status")).to_have_text("Missed")
    checkin = _obligation(lcn, "Holds a quarterly check-in with the partner")
    expect(checkin.get_by_test_id("obligation-status")).to_have_text("Missed")
    screenshot(lcn, "obligations-partner-missed")

    # The staff's My actions lists the programme's missed check-in.
    admin = new_page()
    log_in(admin, staff["admin"].email)
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="My actions").click()
    expect(admin.get_by_test_id("programme-obligation-due")).to_contain_text(
        "Holds a quarterly check-in with the partner"
    )

    # The partner uploads its report late: both sides see it late.
    path = tmp_path / "q1-activity-report.pdf"
    path.write_bytes(pdf_bytes)
    mine.get_by_role("link", name="Upload evidence").click()
    sheet = lcn.locator("#panel")
    sheet.get_by_label("Evidence (PDF, Word, Excel or an image)").set_input_files(path)
    sheet.get_by_label("Note").fill("Q1 report, signed by the board")
    sheet.get_by_role("button", name="Upload").click()
    expect(lcn.get_by_text("Evidence uploaded; the other side sees it now.")).to_be_visible()
    mine = _obligation(lcn, "Submits its quarterly activity report")
    expect(mine.get_by_test_id("last-observation")).to_contain_text("2027-Q1 late")
    open_partner(admin, partner.id, "Lakeside Clinics Network")
    seen = _obligation(section(admin, "Agreement terms"), "Submits its quarterly activity report")
    expect(seen.get_by_test_id("last-observation")).to_contain_text(
        "Q1 report, signed by the board"
    )
    expect(seen.get_by_test_id("last-observation")).to_contain_text("late")
    staff_checkin = _obligation(section(admin, "Agreement terms"), "Holds a quarterly check-in")
    expect(staff_checkin.get_by_test_id("obligation-status")).to_have_text("Missed")
    screenshot(admin, "obligations-staff-late-and-missed")
