"""The comment thread on a submission, in a real browser: the partner asks about
the document they sent, a programme manager answers under it, and the partner
sees the answer and the bell telling them about it (and an email)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.accreditation.submissions import submit_document
from portal.demo import sample_pdf
from tests.helpers import file_upload

from .helpers import (
    PYTEST_PLAYWRIGHT_DEPRECATION,
    deliver_mail,
    log_in,
    only_email,
    requirement_card,
    text_body,
)

QUESTION = "We attached the notarised copy.\nIs the apostille needed as well?"
ANSWER = "No apostille needed: the notarised copy is enough."


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_partner_and_reviewer_talk_under_a_submission(
    app, staff, make_partner, smtp, new_page, live_server
):
    partner, focal, accreditation = make_partner(name="Heron Health Trust", acronym="HHT")
    requirement = accreditation.milestones[0].stage.requirements[0]
    submit_document(
        focal, accreditation, requirement, file_upload(sample_pdf("Certificate"), "cert.pdf")
    )
    name, dashboard = requirement.name, f"/accreditations/{accreditation.id}"
    focal_email, manager_email = focal.email, staff["manager"].email

    # 1. The partner asks a question under the document they sent.
    partner_page = new_page()
    log_in(partner_page, focal_email)
    partner_page.goto(dashboard)
    partner_page.wait_for_load_state()
    card = requirement_card(partner_page, name)
    card.get_by_text("Comment on this document").click()
    card.get_by_label("Your comment on version 1").fill(QUESTION)
    partner_page.evaluate("window.__sameDocument = 'yes'")  # gone if the page reloads
    card.get_by_role("button", name="Comment").click()
    comments = card.get_by_test_id("comment")
    expect(comments).to_have_count(1)
    expect(comments.first).to_contain_text("Is the apostille needed as well?")
    expect(card.get_by_text("Comments (1)")).to_be_visible()
    assert partner_page.evaluate("window.__sameDocument") == "yes"  # swapped in by htmx
    expect(partner_page.get_by_test_id("bell")).to_have_attribute(
        "aria-label", "Notifications, 0 unread"
    )

    # 2. A programme manager sees the question and answers it under the document.
    manager = new_page()
    log_in(manager, manager_email)
    expect(manager.get_by_test_id("bell-count")).to_have_text("2")  # the upload, the question
    manager.get_by_test_id("bell").click()
    manager.get_by_role("button", name="New message from Heron Health Trust").click()
    expect(manager).to_have_url(f"{live_server}{dashboard}#requirement-{requirement.id}")
    manager.wait_for_load_state()
    staff_card = requirement_card(manager, name)
    staff_card.get_by_text("Comments (1)").click()
    expect(staff_card.get_by_test_id("comment")).to_contain_text("notarised copy")
    staff_card.get_by_label("Your comment on version 1").fill(ANSWER)
    staff_card.get_by_role("button", name="Comment").click()
    expect(staff_card.get_by_test_id("comment")).to_have_count(2)
    expect(staff_card.get_by_test_id("comment").nth(1)).to_contain_text("Programme team")

    # 3. The partner sees the bell, follows it, and reads the answer.
    partner_page.reload()
    expect(partner_page.get_by_test_id("bell")).to_have_attribute(
        "aria-label", "Notifications, 1 unread"
    )
    partner_page.get_by_test_id("bell").click()
    expect(partner_page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    partner_page.get_by_role("button", name="New message from the programme team").click()
    expect(partner_page).to_have_url(f"{live_server}{dashboard}#requirement-{requirement.id}")
    card = requirement_card(partner_page, name)
    card.get_by_text("Comments (2)").click()
    expect(card.get_by_test_id("comment").nth(1)).to_contain_text(ANSWER)
    expect(partner_page.get_by_test_id("bell")).to_have_attribute(
        "aria-label", "Notifications, 0 unread"
    )

    # 4. And by email, with a link to the document's place on the dashboard.
    deliver_mail(app)
    email = only_email(smtp.inbox, focal_email, "New message from the programme team")
    assert ANSWER in text_body(email)
    assert f"{live_server}{dashboard}#requirement-{requirement.id}" in text_body(email)
