"""Bank details in a real browser: one administrator enters them (a mistyped
IBAN is refused next to the field), a second one reveals the proposed number
to check it and confirms it; the manager never sees the card."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import PYTEST_PLAYWRIGHT_DEPRECATION, field_errors, log_in
from .partner_helpers import open_partner, panel_settled, section

GOOD_IBAN = "DE89 3704 0044 0532 0130 00"


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_two_administrators_set_bank_details(app, staff, make_user, make_partner, new_page):
    partner = make_partner("Kivu Maternal Health Alliance", "KMHA")[0]
    second = make_user("kofi@example.org", role="admin", name="Kofi Asante")

    ada = new_page()
    log_in(ada, staff["admin"].email)
    open_partner(ada, partner.id, partner.name)
    card = section(ada, "Bank details for payments")
    expect(card).to_contain_text("No bank details on file.")
    card.get_by_role("link", name="Add bank details").click()
    panel = ada.locator("#panel")
    panel_settled(ada, panel.get_by_label("Account holder"))
    panel.get_by_label("Account holder").fill(partner.name)
    panel.get_by_label("Bank", exact=True).fill("Deutsche Bank")
    panel.get_by_label("IBAN or account number").fill("DE89 3704 0044 0532 0130 01")
    panel.get_by_label("Currency").select_option("EUR")
    panel.get_by_label("Reason").fill("The partner's signed letter of 3 March.")
    panel.get_by_role("button", name="Propose the change").click()
    expect(field_errors(panel, ada, "IBAN or account number")).to_have_text(
        "This IBAN's check digits are wrong: a character is mistyped or missing."
    )
    panel.get_by_label("IBAN or account number").fill(GOOD_IBAN)
    panel.get_by_role("button", name="Propose the change").click()
    pending = ada.get_by_test_id("pending-bank-change")
    expect(pending).to_contain_text("•••• •••• 3000 (EUR)")
    expect(pending).to_contain_text("Another administrator must confirm them.")
    expect(ada.locator("body")).not_to_contain_text(GOOD_IBAN)

    kofi = new_page()
    log_in(kofi, second.email)
    open_partner(kofi, partner.id, partner.name)
    kofi.get_by_role("link", name="Review and confirm").click()
    panel = kofi.locator("#panel")
    expect(panel.get_by_test_id("change-status")).to_have_text("Waiting for confirmation")
    panel.get_by_test_id("reveal").click()
    expect(panel.get_by_test_id("revealed-number")).to_have_text(GOOD_IBAN)
    panel.get_by_test_id("confirm-bank-change").click()
    card = section(kofi, "Bank details for payments")
    expect(card.get_by_test_id("masked-number")).to_contain_text("•••• •••• 3000")
    expect(card).to_contain_text("confirmed by Kofi Asante")
    expect(kofi.get_by_test_id("pending-bank-change")).to_have_count(0)
    history = kofi.get_by_test_id("history-event")
    expect(history.filter(has_text="Bank details revealed")).to_have_count(1)
    expect(history.filter(has_text="Bank details confirmed")).to_have_count(1)

    manager = new_page()
    log_in(manager, staff["manager"].email)
    open_partner(manager, partner.id, partner.name)
    expect(manager.get_by_role("heading", name="Bank details for payments")).to_have_count(0)
    expect(manager.locator("body")).not_to_contain_text("Deutsche Bank")
