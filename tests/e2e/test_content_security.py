"""Every page under the portal's Content-Security-Policy in a real browser: the
`new_page` fixture fails the test on anything the policy blocks (an inline
script, an inline event handler, eval, a style element), so walking every page
a person can open shows the portal needs none of them."""

from __future__ import annotations

import pytest
from flask import url_for
from playwright.sync_api import expect

from .helpers import PYTEST_PLAYWRIGHT_DEPRECATION, log_in


def pages_without_arguments(app) -> list[str]:
    with app.test_request_context():
        return sorted(
            url_for(rule.endpoint)
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"
        )


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_every_page_runs_under_the_policy(app, staff, make_partner, new_page, live_server):
    partner, focal, accreditation = make_partner()
    walked = 0
    for email, extra in (
        (staff["admin"].email, [f"/partners/{partner.id}", f"/accreditations/{accreditation.id}"]),
        (focal.email, [f"/accreditations/{accreditation.id}"]),
    ):
        page = new_page()
        log_in(page, email)
        for path in [*pages_without_arguments(app), *extra]:
            if path in ("/logout", "/login") or path.endswith((".csv", ".ics", ".xlsx", ".pdf")):
                continue  # not pages: the session's end, and downloads
            response = page.goto(path)
            assert response is not None and response.status < 500, path
            page.wait_for_load_state()
            walked += 1
    assert walked > 30
    # and htmx still swaps under it: the slide-in panel opens and closes
    admin = new_page()
    log_in(admin, staff["admin"].email)
    admin.goto("/partners")
    admin.get_by_role("link", name="Add partner").click()
    expect(admin.locator("#panel form")).to_be_visible()
