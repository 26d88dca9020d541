"""An administrator edits an email in the browser: the preview follows the
typing (HTMX), a mistake is shown with its line before saving, and the saved
version is what the next email says."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.mail.email_templates import render_email
from portal.mail.merge_fields import sample_fields

from .helpers import PYTEST_PLAYWRIGHT_DEPRECATION, SCREENSHOTS, log_in


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_an_administrator_edits_the_french_report_with_a_live_preview(
    app, staff, make_partner, new_page
):
    partner, _, _ = make_partner(name="Santé Pour Tous", acronym="SPT")
    page = new_page()
    log_in(page, staff["admin"].email)
    page.goto("/email-templates")
    page.get_by_role("link", name="Edit Progress report (Français)").click()
    preview = page.get_by_test_id("preview")
    expect(preview.get_by_test_id("preview-subject")).to_contain_text(
        "Rapport trimestriel d'avancement de l'accréditation de Santé Pour Tous"
    )

    body = page.get_by_label("Body")
    body.fill("Bonjour {{ greeting_name }},\n\n{{ budget }}\n")
    expect(preview.get_by_test_id("problem")).to_contain_text(
        "Line 3 of the body: Unknown merge field 'budget'"
    )
    body.fill("Bonjour {{ greeting_name }},\n\nAvancement : {{ completion|percent }}\n")
    page.get_by_label("Subject").fill("Point trimestriel : {{ partner_name }}")
    expect(preview.get_by_test_id("preview-subject")).to_have_text(
        "Point trimestriel : Santé Pour Tous"
    )
    expect(preview.get_by_test_id("problem")).to_have_count(0)
    # The HTML part, in a sandboxed frame: the percentage written the French way.
    frame = page.frame_locator(".email-preview-html")
    expect(frame.get_by_text("Avancement :")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "email-template-editor.png"), full_page=True)

    page.get_by_label("What changed").fill("Shorter")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_role("status")).to_contain_text("saved as version 1")
    expect(page.get_by_test_id("version")).to_have_count(2)
    email = render_email("report", sample_fields("report"), "fr")
    assert email.subject == "Point trimestriel : Health Access Initiative"
