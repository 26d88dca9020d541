"""Partner records in a real browser: an administrator finds partners, adds one
with its contacts and coverage through the sectioned panel, changes its focal
point after a leadership change, and closes a partner."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.core.clock import local_today
from portal.demo import SAMPLE_ORGUNITS
from portal.orgunits.importer import import_file
from tests.helpers import PASSWORD

from .helpers import (
    PYTEST_PLAYWRIGHT_DEPRECATION,
    deliver_mail,
    field_errors,
    log_in,
    only_email,
    text_body,
)
from .partner_helpers import (
    give_primary_contact,
    history_event,
    open_partner,
    open_partners,
    panel_settled,
    partner_added_by,
    screenshot,
    section,
)

NAME = "Kivu Maternal Health Alliance"
ACRONYM = "KMHA"
SCOPE_OF_WORK = "Funds and supervises maternity care in Kasenga."
PRIMARY = ("Esther Mbeki", "Executive director", "esther@kmha.example.org", "+254 20 555 0199")
PRIMARY_PHONE_STORED = "+254 20 5550199"  # the international format the form stores
SECOND = ("Joseph Kariuki", "Finance officer", "joseph@kmha.example.org")
SCOPE_NOTE = "funds maternal health"
# Said only after the right password (a guesser learns nothing).
DEACTIVATED = re.compile(r"^This account is deactivated\. Ask ")


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_admin_adds_a_partner_with_contacts_and_coverage(app, staff, smtp, new_page, live_server):
    import_file(SAMPLE_ORGUNITS)  # the Republic of Kivuland: districts and facilities
    partner_added_by(
        staff["admin"], "Lakeside Clinics Network", "LCN", "Ruth Achieng", "ruth@lcn.example.org"
    )
    partner_added_by(
        staff["admin"], "Bright Futures Trust", "BFT", "Omar Said", "omar@bft.example.org"
    )

    admin = new_page()
    log_in(admin, staff["admin"].email)
    open_partners(admin)
    rows = admin.get_by_test_id("partner-row")
    expect(rows).to_have_count(2)

    # The list filters as the admin types, and the address bar keeps the view.
    search = admin.get_by_label("Search", exact=True)
    search.press_sequentially("lake")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Lakeside Clinics Network")
    expect(admin).to_have_url(f"{live_server}/partners?q=lake")
    admin.reload()
    expect(admin.get_by_label("Search", exact=True)).to_have_value("lake")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Lakeside Clinics Network")
    admin.wait_for_load_state()
    admin.get_by_label("Search", exact=True).fill("")
    expect(rows).to_have_count(2)
    expect(admin).to_have_url(f"{live_server}/partners")

    # The organisation section.
    admin.get_by_role("link", name="+ Add partner").click()
    panel = admin.get_by_role("dialog", name="Add partner")
    official_name = panel.get_by_label("Official name", exact=True)
    panel_settled(admin, official_name)
    official_name.fill(NAME)
    panel.get_by_label("Acronym", exact=True).fill(ACRONYM)
    panel.get_by_label("Funding", exact=True).check()
    panel.get_by_label("Supervision", exact=True).check()
    panel.get_by_label("Scope of work", exact=True).fill(SCOPE_OF_WORK)

    # The primary contact, first with a phone number that cannot be right.
    contacts = panel.get_by_test_id("contact-form")
    first = contacts.nth(0)
    name, title, email, phone = PRIMARY
    first.get_by_label("Name", exact=True).fill(name)
    first.get_by_label("Title", exact=True).fill(title)
    first.get_by_label("Email", exact=True).fill(email)
    first.get_by_label("Phone", exact=True).fill("12345")
    panel.get_by_role("button", name="Continue to summary").click()
    expect(field_errors(first, admin, "Phone")).to_have_text(
        "Enter a valid phone number. Start with + and the country code."
    )
    expect(first.get_by_label("Phone", exact=True)).to_have_attribute("aria-invalid", "true")
    # The cursor goes to the field in error (scrolled into view), not back to the top.
    panel_settled(admin, first.get_by_label("Phone", exact=True))
    # Everything typed is still there.
    expect(first.get_by_label("Phone", exact=True)).to_have_value("12345")
    expect(first.get_by_label("Name", exact=True)).to_have_value(name)
    expect(first.get_by_label("Email", exact=True)).to_have_value(email)
    expect(panel.get_by_label("Official name", exact=True)).to_have_value(NAME)
    expect(panel.get_by_label("Funding", exact=True)).to_be_checked()
    expect(panel.get_by_label("Supervision", exact=True)).to_be_checked()
    expect(panel.get_by_label("Technical assistance", exact=True)).not_to_be_checked()
    expect(panel.get_by_label("Scope of work", exact=True)).to_have_value(SCOPE_OF_WORK)
    first.get_by_label("Phone", exact=True).fill(phone)

    # A second contact.
    panel.get_by_role("button", name="+ Another contact").click()
    expect(contacts).to_have_count(2)
    panel_settled(admin, contacts.nth(1).get_by_label("Name", exact=True))  # the new contact
    second = contacts.nth(1)
    second.get_by_label("Name", exact=True).fill(SECOND[0])
    second.get_by_label("Title", exact=True).fill(SECOND[1])
    second.get_by_label("Email", exact=True).fill(SECOND[2])
    expect(first.get_by_label("Primary focal person")).to_be_checked()

    # Coverage: a district and a facility in it, from the area picker.
    panel.get_by_label("Find an area", exact=True).fill("Kasenga")
    district = panel.get_by_role("checkbox", name=re.compile(r"^Kasenga District —"))
    facility = panel.get_by_role("checkbox", name=re.compile(r"^Kasenga Health Centre —"))
    district.check()
    facility.check()
    panel.get_by_role("button", name="Add selected areas").click()
    panel_settled(admin, panel.get_by_label("Find an area", exact=True))  # ready for more
    entries = panel.get_by_test_id("coverage-entry")
    expect(entries).to_have_count(2)
    district_entry = entries.filter(has=admin.get_by_text("Kasenga District", exact=True))
    district_entry.get_by_label("Scope", exact=True).fill(SCOPE_NOTE)
    expect(
        entries.filter(has=admin.get_by_text("Kasenga Health Centre", exact=True))
    ).to_have_count(1)
    screenshot(admin, "partner-form-filled", height=2400)

    # The summary to check before saving.
    panel.get_by_role("button", name="Continue to summary").click()
    summary = admin.get_by_role("dialog", name="Check and save")
    facts = summary.get_by_test_id("summary")
    expect(facts).to_contain_text(NAME)
    expect(facts).to_contain_text(f"Kasenga District — {SCOPE_NOTE}")
    expect(facts).to_contain_text("Kasenga Health Centre")
    people = facts.locator("li").filter(has_text="@kmha.example.org")
    expect(people).to_have_count(2)
    expect(people.nth(0)).to_contain_text(f"{name}, {title} · {email} · {PRIMARY_PHONE_STORED}")
    expect(people.nth(0)).to_contain_text("Primary focal person")
    expect(people.nth(1)).to_contain_text(f"{SECOND[0]}, {SECOND[1]} · {SECOND[2]}")
    expect(people.nth(1)).not_to_contain_text("Primary focal person")
    expect(summary.get_by_test_id("duplicates")).to_have_count(0)
    expect(summary).to_contain_text(f"Saving emails {email} an invitation")

    summary.get_by_role("button", name="Save partner").click()
    expect(admin.get_by_role("dialog")).to_have_count(0)
    expect(admin.locator("#alerts")).to_contain_text(
        f"{NAME} added; an invitation was emailed to {email}."
    )
    expect(rows).to_have_count(3)
    row = rows.filter(has_text=NAME)
    expect(row).to_contain_text(f"({ACRONYM})")
    expect(row).to_contain_text(name)

    # The partner's page.
    row.get_by_role("link", name=NAME).click()
    expect(admin.get_by_role("heading", name=NAME, level=1)).to_be_visible()
    coverage = section(admin, "Coverage")
    expect(coverage.get_by_role("heading", level=3)).to_have_text(["Kasenga District"])
    grouped = (
        coverage.get_by_role("heading", name="Kasenga District", level=3)
        .locator("xpath=following-sibling::ul[1]")
        .get_by_test_id("coverage")
    )
    expect(grouped).to_have_count(2)
    expect(grouped.nth(0)).to_contain_text(f"Kasenga District — {SCOPE_NOTE}")
    expect(grouped.nth(1)).to_contain_text("Kasenga Health Centre")
    shown = section(admin, "Contacts").get_by_test_id("contact")
    expect(shown).to_have_count(2)
    focal = shown.filter(has_text="Primary focal person")
    expect(focal).to_have_count(1)
    expect(focal).to_contain_text(name)
    expect(focal).to_contain_text(PRIMARY_PHONE_STORED)
    expect(history_event(admin, "Partner created")).to_have_count(1)
    expect(history_event(admin, "Coverage added")).to_have_count(2)
    expect(admin.get_by_test_id("partner-user")).to_contain_text("Not yet (invited)")
    screenshot(admin, "partner-page", height=2400)

    # The primary contact is invited; the other contact gets no login.
    deliver_mail(app)
    invitation = only_email(smtp.inbox, email, "Your invitation")
    assert re.search(rf"{re.escape(live_server)}/set-password/[\w-]+", text_body(invitation))
    assert smtp.inbox.to(SECOND[2]) == []


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_leadership_change_hands_the_focal_role_to_someone_new(
    app, staff, make_partner, smtp, new_page, live_server
):
    partner, previous, _ = make_partner(
        "Umoja Health Alliance", "UHA", focal_email="amina@uha.example.org"
    )
    previous.name = "Amina Odhiambo"
    give_primary_contact(partner, previous)
    partner_id, partner_name = partner.id, partner.name
    new_name, new_email = "Daniel Otieno", "daniel@uha.example.org"
    new_password = "umoja-focal-2026"
    reason = "Board letter of 3 May: new executive director"

    admin = new_page()
    log_in(admin, staff["admin"].email)
    open_partner(admin, partner_id, partner_name)
    admin.get_by_role("link", name="Change focal point").click()
    panel = admin.get_by_role("dialog", name="Change focal point")
    expect(panel).to_contain_text("Now: Amina Odhiambo <amina@uha.example.org>.")
    panel_settled(admin, panel.get_by_label("New focal person's name"))
    panel.get_by_label("New focal person's name").fill(new_name)
    panel.get_by_label("Their email").fill(new_email)
    panel.get_by_label("Their title").fill("Executive director")
    panel.get_by_label("Deactivate the previous focal person's login").check()
    # Not get_by_label: the panel's "Reason" label points at the status form's
    # Reason behind the panel, which has the same id (see the report).
    panel.locator("input[name=reason]").fill(reason)
    panel.get_by_role("button", name="Change focal point").click()

    expect(admin.get_by_role("dialog")).to_have_count(0)
    expect(admin.locator("#alerts")).to_have_text(
        f"{new_name} is now the focal point of {partner_name}; a welcome email is on its way."
    )
    contacts = section(admin, "Contacts").get_by_test_id("contact")
    focal = contacts.filter(has_text="Primary focal person")
    expect(focal).to_have_count(1)
    expect(focal).to_contain_text(new_name)
    expect(focal).to_contain_text(new_email)
    expect(contacts.filter(has_text="Amina Odhiambo")).to_have_count(0)
    change = history_event(admin, "Focal point changed")
    expect(change).to_have_count(1)
    expect(change).to_contain_text("Amina Odhiambo")
    expect(change).to_contain_text(new_name)
    expect(change).to_contain_text(f"Why: {reason}")
    people = admin.get_by_test_id("partner-user")
    expect(people.filter(has_text="amina@uha.example.org")).to_contain_text("No (deactivated)")
    expect(people.filter(has_text=new_email)).to_contain_text("Not yet (invited)")

    # The new focal person is welcomed and sets a password.
    deliver_mail(app)
    welcome = only_email(smtp.inbox, new_email, "Welcome to")
    found = re.search(r"https?://\S+/set-password/[\w-]+", text_body(welcome))
    assert found, text_body(welcome)
    assert found.group(0).startswith(f"{live_server}/")
    newcomer = new_page()
    newcomer.goto(found.group(0))
    newcomer.get_by_label("New password").fill(new_password)
    newcomer.get_by_label("Repeat the password").fill(new_password)
    newcomer.get_by_role("button", name="Set password and log in").click()
    expect(newcomer).to_have_url(f"{live_server}/accreditation")
    expect(newcomer.locator("#alerts")).to_contain_text("Your password is set.")
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(f"{partner_name} (UHA)")

    # The previous focal person's password no longer opens the portal.
    before = new_page()
    before.goto("/login")
    before.get_by_label("Email").fill("amina@uha.example.org")
    before.get_by_label("Password").fill(PASSWORD)
    before.get_by_role("button", name="Log in").click()
    expect(field_errors(before, before, "Password")).to_have_text(DEACTIVATED)
    expect(before.get_by_role("button", name="Log out")).to_have_count(0)


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_closing_a_partner_with_a_reason(app, staff, make_partner, new_page, live_server):
    partner, focal, _ = make_partner(
        "Hillside Outreach", "HO", focal_email="focal@hillside.example.org"
    )
    partner_added_by(
        staff["admin"], "Bright Futures Trust", "BFT", "Omar Said", "omar@bft.example.org"
    )
    partner_id, partner_name, focal_email = partner.id, partner.name, focal.email
    reason = "The partnership agreement ended and was not renewed."
    effective = local_today() - timedelta(days=1)  # decided yesterday, recorded today

    partner_user = new_page()
    log_in(partner_user, focal_email)  # working in the portal when the partner closes
    admin = new_page()
    log_in(admin, staff["admin"].email)
    open_partner(admin, partner_id, partner_name)
    form = section(admin, "Status")
    form.get_by_label("New status").select_option(label="Closed")
    form.get_by_label("Effective from").fill(effective.isoformat())
    form.get_by_label("Reason").fill(reason)
    form.get_by_role("button", name="Change status").click()
    notice = f"{partner_name} is now closed."
    expect(admin.get_by_text(notice, exact=True).first).to_be_visible()
    # That notice arrives inside the Status card, with a second copy of the whole
    # page around it (see the report); as a user would, reload to see it whole.
    admin.reload()
    expect(admin.get_by_test_id("partner-status")).to_have_text("Closed")
    expect(admin.get_by_text(f"Closed since {effective:%d %b %Y}: {reason}")).to_be_visible()
    closed = history_event(admin, "Status changed")
    expect(closed).to_contain_text(f"Why: {reason}")
    expect(admin.get_by_test_id("partner-user")).to_contain_text("No (deactivated)")

    # Gone from the default list; there with the "Closed" filter.
    open_partners(admin)
    rows = admin.get_by_test_id("partner-row")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Bright Futures Trust")
    admin.get_by_label("Status", exact=True).select_option(label="Closed")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(partner_name)
    expect(rows.locator(".badge")).to_have_text("Closed")
    expect(admin).to_have_url(f"{live_server}/partners?status=closed")

    # Its focal point is out: the next page asks them to log in, and their
    # password no longer works.
    partner_user.reload()
    expect(partner_user.get_by_role("heading", name="Log in", level=1)).to_be_visible()
    expect(partner_user.get_by_role("button", name="Log out")).to_have_count(0)
    partner_user.goto("/login")
    partner_user.get_by_label("Email").fill(focal_email)
    partner_user.get_by_label("Password").fill(PASSWORD)
    partner_user.get_by_role("button", name="Log in").click()
    expect(field_errors(partner_user, partner_user, "Password")).to_have_text(DEACTIVATED)
    expect(partner_user.get_by_role("button", name="Log out")).to_have_count(0)
