"""A full accreditation cycle in a real browser: the administrator defines a
template, opens a cycle for a partner, the partner uploads every document, staff
approve them, the administrator records the final decision, and the partner's
page says "Accredited until <date>"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.accounts.passwords import hash_password
from portal.accreditation.decisions import add_months
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.models import User
from tests.helpers import PASSWORD

from .helpers import (
    PYTEST_PLAYWRIGHT_DEPRECATION,
    approve,
    log_in,
    pdf_file,
    requirement_card,
    upload,
)
from .partner_helpers import open_partner, panel_settled, partner_added_by, screenshot

PARTNER = "Heron Health Trust"
FOCAL_EMAIL = "amina@heron.example.org"
TEMPLATE = "Funder accreditation"
DOCUMENTS = ("Registration certificate", "Audited accounts")
GUIDANCE = "A certified copy, stamped by the registrar."


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_a_partner_goes_from_template_to_accredited_until(app, staff, new_page, tmp_path):
    admin_user = staff["admin"]
    partner = partner_added_by(admin_user, PARTNER, "HHT", "Amina Yusuf", FOCAL_EMAIL)
    focal = db.session.scalar(db.select(User).filter_by(email=FOCAL_EMAIL))
    focal.password_hash = hash_password(PASSWORD)
    db.session.commit()
    partner_id = partner.id
    assert not partner.accreditations  # no template yet: nothing was opened

    # 1. The administrator defines the template: two stages, two documents.
    admin = new_page()
    log_in(admin, admin_user.email)
    admin.goto("/accreditation-templates")
    admin.get_by_role("link", name="+ New template").click()
    admin.get_by_label("Template name").fill(TEMPLATE)
    stage = admin.get_by_test_id("stage-form").nth(0)
    stage.get_by_label("Stage", exact=True).fill("Document submission")
    stage.get_by_label("Expected duration (days)").fill("30")
    stage.get_by_role("button", name="+ Another document").click()
    stage = admin.get_by_test_id("stage-form").nth(0)
    expect(stage.get_by_test_id("requirement-form")).to_have_count(2)
    for index, name in enumerate(DOCUMENTS):
        document = stage.get_by_test_id("requirement-form").nth(index)
        document.get_by_label("Document", exact=True).fill(name)
        document.get_by_label("PDF", exact=True).check()
    first = stage.get_by_test_id("requirement-form").nth(0)
    first.get_by_label("Guidance for the partner").fill(GUIDANCE)
    # A due date before the stage starts is refused next to the field, nothing saved.
    first.get_by_label("Due (days after the stage starts)").fill("-2")
    admin.get_by_role("button", name="+ Another stage").click()
    final = admin.get_by_test_id("stage-form").nth(1)
    final.get_by_label("Stage", exact=True).fill("Final approval")
    final.get_by_label("Expected duration (days)").fill("14")
    admin.get_by_role("button", name="Save template").click()
    offset = admin.locator("#stages-0-requirements-0-due_offset_days-help .error")
    expect(offset).to_contain_text("a due offset before the start")
    admin.get_by_test_id("stage-form").nth(0).get_by_test_id("requirement-form").nth(
        0
    ).get_by_label("Due (days after the stage starts)").fill("14")
    admin.get_by_role("button", name="Save template").click()
    expect(admin.locator("#alerts")).to_contain_text(f"{TEMPLATE} created.")
    expect(admin.get_by_role("heading", level=1)).to_contain_text(TEMPLATE)
    expect(admin.get_by_test_id("stage")).to_have_count(2)
    expect(admin.get_by_test_id("template-requirement")).to_have_count(2)

    # 2. The administrator opens a cycle for the partner, in the slide-in panel.
    open_partner(admin, partner_id, PARTNER)
    admin.get_by_role("link", name="Open accreditation").click()
    panel = admin.get_by_role("dialog", name="Open accreditation")
    panel_settled(admin, panel.get_by_label("Template"))
    panel.get_by_label("Starts on").fill(local_today().isoformat())
    panel.get_by_role("button", name="Open accreditation").click()
    expect(admin.locator("#alerts")).to_contain_text(f"Accreditation opened for {PARTNER}.")
    expect(admin.get_by_test_id("current-stage")).to_have_text("Document submission")

    # 3. The partner uploads every document (and reads the guidance).
    page = new_page()
    log_in(page, FOCAL_EMAIL)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My accreditation").click()
    expect(requirement_card(page, DOCUMENTS[0]).get_by_test_id("guidance")).to_contain_text(
        GUIDANCE
    )
    for name in DOCUMENTS:
        upload(page, name, pdf_file(tmp_path, f"{name.lower().replace(' ', '-')}.pdf"), 1)

    # The timeline mid-cycle: where the partner stands and what comes next.
    page.get_by_test_id("timeline-link").click()
    expect(page.get_by_test_id("timeline-current")).to_have_text("Document submission")
    expect(page.get_by_test_id("timeline-next")).to_have_text("Final approval")
    expect(page.get_by_test_id("usual-duration")).to_have_text(
        "Usually takes 14 days (the planned length)."
    )
    screenshot(page, "partner-timeline-in-progress")
    page.go_back()

    # 4. Staff approve them.
    for name in DOCUMENTS:
        approve(admin, name, 1)

    # 5. The administrator records the final decision.
    admin.goto(f"/partners/{partner_id}")
    admin.get_by_test_id("partner-accreditation").get_by_role("link", name=TEMPLATE).click()
    ready = admin.get_by_test_id("ready-for-approval")
    expect(ready).to_contain_text("Ready for final approval.")
    admin.wait_for_load_state()
    ready.get_by_role("link", name="Decide").click()
    decision = admin.get_by_role("dialog", name="Final decision")
    expect(decision.get_by_test_id("readiness")).to_contain_text("Ready for final approval")
    decision.get_by_label("Accredited", exact=True).check()
    until = add_months(local_today(), 24)
    expect(decision.get_by_label("Accredited until")).to_have_value(until.strftime("%d/%m/%Y"))
    decision.get_by_role("button", name="Record decision").click()
    expect(admin.locator("#alerts")).to_contain_text(
        f"{PARTNER} is accredited until {until:%d %b %Y}."
    )

    # 6. The partner's page says so, and so does the timeline.
    page.reload()
    expect(page.get_by_test_id("accredited-until")).to_contain_text(
        f"Accredited until {until:%d %b %Y}"
    )
    expect(page.get_by_test_id("current-stage")).to_have_text("Accreditation complete")
    page.get_by_test_id("timeline-link").click()
    expect(page.get_by_role("heading", name="Timeline", level=1)).to_be_visible()
    expect(page.get_by_test_id("accredited-until")).to_contain_text(
        f"Accredited until {until:%d %b %Y}"
    )
    expect(page.get_by_test_id("timeline-stage")).to_have_count(2)
    screenshot(page, "partner-timeline")
