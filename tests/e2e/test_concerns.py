"""A concern raised by a partner and taken to redress by staff, in a real
browser as people click it: the partner raises it with evidence, the
administrator acknowledges it, reviews it, is refused a decision without its
reason, decides with the redress agreed; the partner confirms and it is
closed, and the history shows each step on both sides."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import PYTEST_PLAYWRIGHT_DEPRECATION, field_errors, log_in, pdf_file

DESCRIPTION = "The second tranche arrived six weeks after the date in the agreement."
REMEDY = "Pay tranches on the agreed date, or warn us two weeks ahead."
REASON = "The invoice waited three weeks for a signature in finance."
REDRESS = "Finance pays within 30 days of an invoice; the next tranche on 1 February."
STEPS = [
    "Raised the concern",
    "Acknowledged it",
    "Started the review",
    "Decided",
    "Confirmed the outcome",
]


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_a_concern_raised_by_a_partner_and_taken_to_redress_by_staff(
    app, staff, make_partner, new_page, tmp_path
):
    partner, focal, _ = make_partner(name="Kestrel Community Health", acronym="KCH")
    evidence = pdf_file(tmp_path, "bank-statement.pdf")

    # 1. The partner's focal point raises the concern from its organisation's pages.
    them = new_page()
    log_in(them, focal.email)
    them.get_by_role("link", name="My organisation").click()
    them.get_by_role("navigation", name="Organisation").get_by_role("link", name="Concerns").click()
    them.get_by_role("link", name="Raise a concern").click()
    them.get_by_label("Category").select_option(label="Payment")
    them.get_by_label("What happened").fill(DESCRIPTION)
    them.get_by_label("What you ask for").fill(REMEDY)
    them.get_by_label("Evidence (optional)").set_input_files(evidence)
    them.get_by_role("button", name="Raise the concern").click()
    expect(them.get_by_text("Your concern is raised")).to_be_visible()
    expect(them.get_by_test_id("station-raised")).to_have_attribute("aria-current", "step")
    expect(them.get_by_test_id("concern-now")).to_contain_text(
        "waits for the programme's administrators"
    )
    concern_url = them.url

    # 2. The administrator finds it on the partner's page and acknowledges it.
    us = new_page()
    log_in(us, staff["admin"].email)
    us.get_by_role("link", name="Partners").first.click()
    us.get_by_role("link", name="Kestrel Community Health").click()
    section = us.get_by_test_id("concerns-section")
    section.get_by_role("link", name=re.compile("Payment")).click()
    expect(us.get_by_test_id("concern-description")).to_have_text(DESCRIPTION)
    with us.expect_download() as download:
        us.get_by_role("link", name="bank-statement.pdf").first.click()
    assert download.value.suggested_filename == "bank-statement.pdf"
    us.get_by_label(re.compile("Message to the partner")).fill("Received; finance is checking.")
    us.get_by_role("button", name="Acknowledge").click()
    expect(us.get_by_test_id("station-acknowledged")).to_have_attribute("aria-current", "step")
    us.get_by_role("button", name="Start the review").click()
    expect(us.get_by_test_id("station-under_review")).to_have_attribute("aria-current", "step")

    # 3. A decision without its reason is refused, next to the field; nothing changes.
    form = us.get_by_test_id("step-form")
    form.get_by_label("Outcome").select_option(label="Upheld")
    form.get_by_label("Redress agreed").fill(REDRESS)
    form.get_by_role("button", name="Record the decision").click()
    expect(field_errors(form, us, "Reason for the decision")).to_have_text(
        "Give the reason for the decision."
    )
    expect(us.get_by_test_id("station-under_review")).to_have_attribute("aria-current", "step")
    form.get_by_label("Reason for the decision").fill(REASON)
    form.get_by_role("button", name="Record the decision").click()
    expect(us.get_by_test_id("concern-redress")).to_have_text(REDRESS)
    expect(us.get_by_test_id("concern-now")).to_contain_text("waits for the partner to confirm")

    # 4. The partner reads the decision and the redress, and confirms the outcome.
    them.goto(concern_url)
    expect(them.get_by_test_id("concern-decision")).to_have_text(REASON)
    expect(them.get_by_test_id("concern-redress")).to_have_text(REDRESS)
    them.get_by_role("button", name="Confirm the outcome").click()
    expect(them.get_by_test_id("station-closed")).to_have_attribute("aria-current", "step")
    expect(them.get_by_test_id("concern-now")).to_contain_text("The raiser confirmed the outcome")

    # 5. Both sides read the same history, step by step.
    us.reload()
    for page in (them, us):
        expect(page.get_by_test_id("event-what")).to_have_count(len(STEPS))
        for step, what in zip(STEPS, page.get_by_test_id("event-what").all(), strict=True):
            expect(what).to_contain_text(step)
        expect(page.get_by_test_id("concern-history")).to_contain_text(
            "Received; finance is checking."
        )
        expect(page.get_by_test_id("respond-form")).to_have_count(0)
        expect(page.get_by_test_id("step-form")).to_have_count(0)
