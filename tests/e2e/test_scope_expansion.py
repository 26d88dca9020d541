"""A scope expansion in a real browser: the administrator finds a district,
ticks it and a data set, gives the day and the reason; the partner page shows
both, and the programme team and finance each get the list of changes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.core.extensions import db
from portal.demo import SAMPLE_ORGUNITS
from portal.models import OutboxEmail
from portal.orgunits.importer import import_file

from .helpers import PYTEST_PLAYWRIGHT_DEPRECATION, field_errors, log_in
from .partner_helpers import open_partner, section


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_an_administrator_expands_a_partners_scope(app, staff, make_partner, new_page):
    import_file(SAMPLE_ORGUNITS)  # Kivuland's districts and its DHIS2 data sets
    app.config["PROGRAMME_TEAM_EMAILS"] = ["team@example.org"]
    app.config["FINANCE_EMAILS"] = ["finance@example.org"]
    partner = make_partner("Kivu Maternal Health Alliance", "KMHA")[0]

    page = new_page()
    log_in(page, staff["admin"].email)
    open_partner(page, partner.id, partner.name)
    section(page, "Data sets").get_by_role("link", name="Expand scope").click()
    panel = page.locator("#panel")
    panel.get_by_label("Find a facility, district or group").fill("Mbala")
    panel.get_by_role("button", name="Search").click()
    panel.get_by_label("Mbala District — Lakeshore Province, Republic of Kivuland").check()
    panel.get_by_label("Reproductive health (monthly)").check()
    panel.get_by_label("For the data sets, the partner").select_option("paid_on")
    panel.get_by_label("From").fill("2027-01-01")
    panel.get_by_role("button", name="Expand scope").click()
    expect(field_errors(panel, page, "Reason")).to_have_text("Say why the scope changes.")
    # What was ticked is still ticked.
    expect(panel.get_by_label("Mbala District", exact=True)).to_be_checked()
    expect(panel.get_by_label("Reproductive health (monthly)")).to_be_checked()
    panel.get_by_label("Reason").fill("The new grant covers Mbala from January.")
    panel.get_by_role("button", name="Expand scope").click()

    expect(page.locator(".alert-success")).to_contain_text(
        "the programme team and finance were told"
    )
    expect(section(page, "Coverage")).to_contain_text("Mbala District")
    expect(section(page, "Data sets").get_by_test_id("data-set-assignment")).to_have_text(
        "Reproductive health · Paid on since 01 Jan 2027 End"
    )
    finance = db.session.scalar(db.select(OutboxEmail).filter_by(recipients="finance@example.org"))
    assert "Paid on Reproductive health from 01 Jan 2027." in finance.body_text
    assert db.session.scalar(db.select(OutboxEmail).filter_by(recipients="team@example.org"))
