"""The core loop in a real browser: an administrator adds a partner, the focal
point is invited by email, uploads, the manager reviews, the partner revises,
and the first milestone is reached, with the emails each step sends."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import (
    PYTEST_PLAYWRIGHT_DEPRECATION,
    approve,
    deliver_mail,
    field_errors,
    log_in,
    only_email,
    open_review,
    pdf_file,
    requirement_card,
    text_body,
    upload,
)

PARTNER = "Kestrel Community Health"
ACRONYM = "KCH"
FOCAL_NAME = "Grace Wanjiru"
FOCAL_EMAIL = "grace@kestrel.example.org"
FOCAL_PASSWORD = "kestrel-focal-2026"
FEEDBACK = "The certificate has expired. Please upload the renewed certificate, signed and dated."
GUIDANCE_LABEL = "Note with an approval, or guidance when sending back"


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_partner_goes_from_invitation_to_first_milestone(
    app, staff, make_template, smtp, new_page, live_server, tmp_path, change_reasons
):
    template = make_template()
    first, second = template.stages[0], template.stages[1]
    doc1, doc2 = (r.name for r in first.requirements)
    required = [r for stage in template.stages for r in stage.requirements if r.required]
    first_required = [r for r in first.requirements if r.required]
    percent_after_first = round(100 * len(first_required) / len(required))
    first_name, second_name = first.name, second.name
    admin_email, manager_email = staff["admin"].email, staff["manager"].email
    manager_name = staff["manager"].name

    # 1. The administrator adds the partner in the slide-in panel.
    admin = new_page()
    log_in(admin, admin_email)
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()
    expect(admin.get_by_role("heading", name="Partners", level=1)).to_be_visible()
    admin.wait_for_load_state()  # htmx has taken over the links (else a click is a page load)
    expect(admin.locator("#partner-list")).to_contain_text("No partners yet.")
    admin.evaluate("window.__sameDocument = 'yes'")  # gone if the page reloads

    admin.get_by_role("link", name="+ Add partner").click()
    panel = admin.get_by_role("dialog", name="Add partner")
    expect(panel).to_be_visible()
    expect(admin).to_have_url(f"{live_server}/partners")  # a panel, not a new page
    # The cursor is in the first field (htmx honours autofocus once the swap settles).
    expect(panel.get_by_label("Official name", exact=True)).to_be_focused()

    contact = panel.get_by_test_id("contact-form")
    email = contact.get_by_label("Email", exact=True)
    email.fill("grace.at.kestrel")
    panel.get_by_role("button", name="Continue to summary").click()
    expect(field_errors(contact, admin, "Email")).to_have_text("Enter a valid email address.")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_value("grace.at.kestrel")  # what was typed is kept
    expect(field_errors(panel, admin, "Official name")).to_have_text(
        "Enter the partner's legal name."
    )
    expect(admin.get_by_test_id("partner-row")).to_have_count(0)

    panel.get_by_label("Official name", exact=True).fill(PARTNER)
    panel.get_by_label("Acronym", exact=True).fill(ACRONYM)
    contact.get_by_label("Name", exact=True).fill(FOCAL_NAME)
    email.fill(FOCAL_EMAIL)
    panel.get_by_role("button", name="Continue to summary").click()
    summary = admin.get_by_role("dialog", name="Check and save")
    expect(summary.get_by_test_id("summary")).to_contain_text(f"{FOCAL_NAME} · {FOCAL_EMAIL}")
    summary.get_by_role("button", name="Save partner").click()

    expect(admin.get_by_role("dialog")).to_have_count(0)  # the panel is closed
    expect(admin.locator("#alerts")).to_contain_text(
        f"{PARTNER} added; an invitation was emailed to {FOCAL_EMAIL}."
    )
    row = admin.get_by_test_id("partner-row").filter(has_text=PARTNER)
    expect(row).to_contain_text(f"{PARTNER} ({ACRONYM})")
    expect(row).to_contain_text(FOCAL_NAME)
    expect(row).to_contain_text(first_name)
    expect(row).to_contain_text("0%")
    assert admin.evaluate("window.__sameDocument") == "yes", "the page reloaded"

    # 2. The outbox worker sends the invitation to the focal point.
    deliver_mail(app)
    invitation = only_email(smtp.inbox, FOCAL_EMAIL, "Your invitation")
    assert invitation["To"] == FOCAL_EMAIL
    found = re.search(r"https?://\S+/set-password/[\w-]+", text_body(invitation))
    assert found, text_body(invitation)
    link = found.group(0)
    assert link.startswith(f"{live_server}/"), link

    # 3. The focal point sets a password, lands on the dashboard and uploads.
    partner = new_page()
    partner.goto(link)
    partner.get_by_label("New password").fill(FOCAL_PASSWORD)
    partner.get_by_label("Repeat the password").fill(FOCAL_PASSWORD)
    partner.get_by_role("button", name="Set password and log in").click()
    expect(partner).to_have_url(f"{live_server}/accreditation")
    expect(partner.locator("#alerts")).to_contain_text("Your password is set.")
    expect(partner.get_by_role("heading", level=1)).to_have_text(f"{PARTNER} ({ACRONYM})")
    expect(partner.get_by_test_id("completion")).to_have_text("0%")
    expect(partner.get_by_test_id("current-stage")).to_have_text(first_name)
    expect(requirement_card(partner, doc1).get_by_test_id("status")).to_have_text(
        "Not yet uploaded"
    )
    upload(partner, doc1, pdf_file(tmp_path, "certificate-v1.pdf"), version=1)

    # 4. The manager asks for changes: first without saying why or what, then properly.
    manager = new_page()
    log_in(manager, manager_email)
    open_review(manager, doc1, version=1)
    manager.get_by_role("button", name="Request changes").click()
    expect(field_errors(manager, manager, "Reason for sending it back")).to_have_text(
        "Choose why the document is sent back."
    )
    expect(field_errors(manager, manager, GUIDANCE_LABEL)).to_have_text(
        "Tell the partner what to change."
    )
    manager.get_by_label("Reason for sending it back").select_option(label="Expired")
    manager.get_by_label(GUIDANCE_LABEL).fill(FEEDBACK)
    manager.get_by_role("button", name="Request changes").click()
    expect(manager.locator("#alerts")).to_have_text(f"{doc1} from {PARTNER} sent back for changes.")
    expect(manager.get_by_test_id("queue-row")).to_have_count(0)

    deliver_mail(app)
    changes = only_email(smtp.inbox, FOCAL_EMAIL, f"Changes requested: {doc1}")
    assert FEEDBACK in text_body(changes)
    assert "Reason: Expired" in text_body(changes)
    assert f"{live_server}/accreditations/" in text_body(changes)

    # 5. The partner reads the feedback and uploads a second version.
    partner.reload()
    card = requirement_card(partner, doc1)
    expect(card.get_by_test_id("status")).to_have_text("Changes requested")
    expect(card.get_by_test_id("feedback")).to_contain_text(f"Feedback from {manager_name}")
    expect(card.get_by_test_id("feedback")).to_contain_text(FEEDBACK)
    expect(card.get_by_test_id("feedback-reason")).to_have_text("Reason: Expired")
    upload(partner, doc1, pdf_file(tmp_path, "certificate-v2.pdf"), version=2)
    card.get_by_text("Earlier versions (1)").click()
    earlier = card.locator(".versions li")
    expect(earlier).to_have_count(1)
    expect(earlier).to_contain_text("Version 1: certificate-v1.pdf")
    expect(earlier).to_contain_text("Changes requested")
    expect(card.locator(".file")).to_contain_text("certificate-v2.pdf")
    expect(card.locator(".file")).to_contain_text("version 2")

    # 6. The rest of the first milestone is uploaded and everything approved.
    upload(partner, doc2, pdf_file(tmp_path, "audited-accounts.pdf"), version=1)
    approve(manager, doc1, version=2)
    expect(manager.get_by_test_id("queue-row")).to_have_count(1)
    approve(manager, doc2, version=1)
    expect(manager.get_by_test_id("queue-row")).to_have_count(0)

    partner.reload()
    milestone = partner.get_by_test_id("milestone").filter(has_text=first_name)
    expect(milestone.locator(".badge")).to_have_text("Complete")
    expect(partner.get_by_test_id("current-stage")).to_have_text(second_name)
    expect(partner.get_by_test_id("completion")).to_have_text(f"{percent_after_first}%")
    expect(partner.get_by_role("progressbar", name="Completion")).to_have_attribute(
        "aria-valuenow", str(percent_after_first)
    )
    for name in (doc1, doc2):
        expect(requirement_card(partner, name).get_by_test_id("status")).to_have_text("Approved")

    deliver_mail(app)
    subject = f"Milestone reached: {first_name}"
    to_partner = only_email(smtp.inbox, FOCAL_EMAIL, subject)
    assert second_name in text_body(to_partner)
    for address in (admin_email, manager_email):
        to_staff = only_email(smtp.inbox, address, subject)
        assert FOCAL_EMAIL not in to_staff["X-Envelope-To"]
        assert address not in to_partner["X-Envelope-To"]  # partners do not see staff


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_saving_a_partner_removes_the_backdrop(app, staff, make_template, new_page):
    make_template()
    admin = new_page()
    log_in(admin, staff["admin"].email)
    admin.goto("/partners")
    admin.get_by_role("link", name="+ Add partner").click()
    panel = admin.get_by_role("dialog", name="Add partner")
    expect(panel.get_by_label("Official name", exact=True)).to_be_focused()
    panel.get_by_label("Official name", exact=True).fill(PARTNER)
    contact = panel.get_by_test_id("contact-form")
    contact.get_by_label("Name", exact=True).fill(FOCAL_NAME)
    contact.get_by_label("Email", exact=True).fill(FOCAL_EMAIL)
    panel.get_by_role("button", name="Continue to summary").click()
    admin.get_by_role("dialog").get_by_role("button", name="Save partner").click()
    expect(admin.get_by_role("dialog")).to_have_count(0)

    # The swap has happened and nothing else will change #panel: a backdrop left
    # behind would stay, and block the next click, until the default wait runs
    # out. (No shorter wait: on a busy machine a second is not enough.)
    expect(admin.locator("#panel")).to_be_hidden()
    admin.get_by_role("link", name=PARTNER, exact=True).click()  # the next click
    expect(admin.get_by_role("heading", name=PARTNER, level=1)).to_be_visible()
