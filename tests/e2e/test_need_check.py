"""A prospective partner in a real browser: the administrator adds it as
prospective, the need check's research shows a partner already supervising in
the same district, the checklist is filled in and tested, going ahead is refused
until it is complete, the decision makes the partner active, and its first
accreditation opens from there; the focal person is invited only then."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from portal.core.extensions import db
from portal.demo import SAMPLE_ORGUNITS
from portal.models import Coverage, OrgUnit, PartnershipType
from portal.orgunits.importer import import_file
from portal.partners.drafts import district_id_of

from .helpers import PYTEST_PLAYWRIGHT_DEPRECATION, deliver_mail, log_in, only_email
from .partner_helpers import panel_settled, partner_added_by

NAME = "Lwandi Community Health Alliance"
FOCAL = ("Esther Banda", "esther@lcha.example.org")


def supervising_in(partner, district_name: str) -> None:
    unit = db.session.scalar(db.select(OrgUnit).filter_by(name=district_name))
    db.session.add(PartnershipType(partner_id=partner.id, kind="supervision"))
    db.session.add(
        Coverage(
            partner_id=partner.id,
            org_unit_id=unit.id,
            district_id=district_id_of(unit),
            starts_on=date(2025, 1, 1),
        )
    )
    db.session.commit()


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_a_prospective_partner_is_taken_through_the_need_check_to_active(
    app, staff, smtp, new_page, make_template
):
    import_file(SAMPLE_ORGUNITS)
    make_template()
    trust = partner_added_by(
        staff["admin"],
        "Northern Districts Supervision Trust",
        "NDST",
        "Sam",
        "sam@ndst.example.org",
    )
    supervising_in(trust, "Lwandi District")
    deliver_mail(app)  # the trust's own invitation, out of the way

    admin = new_page()
    log_in(admin, staff["admin"].email)
    admin.goto("/partners")
    admin.get_by_role("link", name="+ Add partner").click()
    panel = admin.get_by_role("dialog", name="Add partner")
    official_name = panel.get_by_label("Official name", exact=True)
    panel_settled(admin, official_name)
    official_name.fill(NAME)
    panel.get_by_label("Acronym", exact=True).fill("LCHA")
    panel.get_by_label("Supervision", exact=True).check()
    first = panel.get_by_test_id("contact-form").nth(0)
    first.get_by_label("Name", exact=True).fill(FOCAL[0])
    first.get_by_label("Email", exact=True).fill(FOCAL[1])
    panel.get_by_label("Find an area", exact=True).fill("Lwandi District")
    panel.get_by_role("checkbox", name="Lwandi District —", exact=False).first.check()
    panel.get_by_role("button", name="Add selected areas").click()
    expect(panel.get_by_test_id("coverage-entry")).to_have_count(1)
    panel.get_by_label("Prospective: check the need for a partnership first").check()
    panel.get_by_role("button", name="Continue to summary").click()
    summary = admin.get_by_role("dialog", name="Check and save")
    expect(summary.get_by_test_id("prospective-note")).to_contain_text("Nobody is invited")
    summary.get_by_role("button", name="Save partner").click()

    # The need check, with the research on duplicates already done by the portal.
    expect(admin.get_by_role("heading", level=1)).to_have_text(
        f"Need for a partnership with {NAME} (LCHA)"
    )
    expect(admin.get_by_test_id("need-status")).to_have_text("Prospective")
    same_work = admin.get_by_test_id("same-work")
    expect(same_work).to_have_count(1)
    expect(same_work).to_contain_text("Northern Districts Supervision Trust")
    expect(same_work).to_contain_text("Supervision in Lwandi District")

    def add(section: str, text: str, tested: bool = False) -> None:
        card = admin.get_by_test_id(f"need-{section}")
        card.get_by_label("Add an item").fill(text)
        if tested:
            card.get_by_label("Tested with the potential partner").check()
        card.get_by_role("button", name="Add").click()
        expect(card.get_by_test_id("need-item").filter(has_text=text)).to_have_count(1)

    add("benefit", "Monthly supportive supervision of 12 facilities", tested=True)
    add("commitment", "Two nurse supervisors and a vehicle")

    # Going ahead too early says what is missing, and nothing changes.
    decide = admin.get_by_test_id("need-decide")
    decide.get_by_label("Go ahead", exact=True).check()
    decide.get_by_label("Reason").fill("Fills the supervision gap in Lwandi")
    decide.get_by_role("button", name="Record the decision").click()
    # The refusal, next to the choice: only the answer to the click has it (the
    # list of what is missing was on the page before).
    expect(admin.get_by_test_id("need-decide").locator("p.error")).to_contain_text(
        "Add at least one item under “Strategy, plan or local priorities it supports”."
    )
    expect(admin.get_by_test_id("need-status")).to_have_text("Prospective")

    add("strategy", "Lwandi district health plan 2026–2028")
    strategy = admin.get_by_test_id("need-strategy").get_by_test_id("need-item")
    expect(strategy).to_contain_text("Not yet tested")
    strategy.get_by_role("button", name="Mark tested").click()
    expect(admin.get_by_test_id("need-strategy").get_by_test_id("need-item")).to_contain_text(
        "Tested with the partner"
    )
    research = admin.get_by_test_id("need-research")
    research.get_by_label("What the research found").fill(
        "NDST supervises the district hospital only; the alliance covers health centres."
    )
    research.get_by_role("button", name="Save the notes").click()
    expect(admin.get_by_test_id("need-decide").get_by_test_id("need-missing")).to_have_count(0)

    decide = admin.get_by_test_id("need-decide")
    decide.get_by_label("Go ahead", exact=True).check()
    decide.get_by_label("Reason").fill("Fills the supervision gap in Lwandi's health centres")
    decide.get_by_role("button", name="Record the decision").click()
    expect(admin.get_by_test_id("need-status")).to_have_text("Decided: go ahead")
    expect(admin.locator("#alerts")).to_contain_text(f"{NAME} is now active")
    # The checklist stays readable, no longer editable.
    expect(admin.get_by_test_id("need-item")).to_have_count(3)
    expect(admin.get_by_role("button", name="Add")).to_have_count(0)

    # The first accreditation opens from here.
    admin.get_by_role("link", name="Open its first accreditation cycle").click()
    cycle = admin.get_by_role("dialog", name="Open accreditation")
    cycle.get_by_role("button", name="Open accreditation").click()
    expect(admin.locator("#alerts")).to_contain_text(f"Accreditation opened for {NAME}.")

    # Only now is the focal person invited.
    deliver_mail(app)
    only_email(smtp.inbox, FOCAL[1], "Your invitation")
