"""An administrator makes an API token in the browser for Power BI: the secret
is shown once (with a Copy button, where the browser can copy), works at once
for what it was given, and stops working the moment it is revoked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import bearer

from .helpers import PYTEST_PLAYWRIGHT_DEPRECATION, SCREENSHOTS, log_in


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_an_administrator_makes_shows_once_and_revokes_a_token(
    app, staff, make_partner, new_page, live_server, client
):
    make_partner(name="Santé Pour Tous", acronym="SPT")
    page = new_page()
    log_in(page, staff["admin"].email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API tokens").click()
    page.get_by_role("link", name="New token").click()

    page.get_by_role("button", name="Make the token").click()
    expect(page.locator(".field.has-error .error").first).to_contain_text("Name the token")
    page.get_by_label("Name").fill("Power BI – M&E dashboard")
    page.get_by_label("Partners").check()
    page.get_by_label("Accreditations").check()
    page.get_by_role("button", name="Make the token").click()

    secret_box = page.get_by_test_id("api-token-secret")
    expect(page.get_by_role("status")).to_contain_text("the only time it is shown")
    expect(page.get_by_role("button", name="Copy")).to_be_visible()  # portal.js offers it
    secret = secret_box.input_value()
    assert secret.startswith("pp_") and len(secret) == 46
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "api-token-made.png"), full_page=True)

    api = page.request
    partners = api.get(f"{live_server}/api/v1/partners", headers=bearer(secret))
    assert partners.status == 200
    assert [p["name"] for p in partners.json()["data"]] == ["Santé Pour Tous"]
    assert api.get(f"{live_server}/api/v1/submissions", headers=bearer(secret)).status == 403
    # The browser's own session cookie opens nothing.
    assert api.get(f"{live_server}/api/v1/partners").status == 401

    page.get_by_role("link", name="Done").click()
    row = page.get_by_test_id("api-token").filter(has_text="Power BI – M&E dashboard")
    expect(row).to_contain_text(secret[:11])
    assert secret not in page.content()
    page.screenshot(path=str(SCREENSHOTS / "api-tokens.png"), full_page=True)
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text("is revoked")
    expect(row).to_contain_text("Revoked")
    assert api.get(f"{live_server}/api/v1/partners", headers=bearer(secret)).status == 401
