"""The review analytics in a real browser: the programme manager goes from the
review queue to the analytics, picks the third quarter and a partnership type,
and reads the tables (the filters swap the results in place and stay in the
address bar)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import PYTEST_PLAYWRIGHT_DEPRECATION, SCREENSHOTS, log_in


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_a_manager_reads_the_quarter_and_narrows_it_to_a_partnership_type(
    review_world, clock, new_page, live_server
):
    # The quarter happened; the browser lives today (its cookies keep real time).
    clock.now = None
    manager = new_page()
    log_in(manager, review_world.manager.email)
    manager.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    manager.get_by_role("link", name="Review analytics").click()
    expect(manager.get_by_role("heading", name="Review analytics", level=1)).to_be_visible()
    manager.wait_for_load_state()
    manager.evaluate("window.__sameDocument = 'yes'")  # gone if a filter reloads the page

    manager.get_by_label("Period", exact=True).fill("2026-Q3")
    manager.get_by_role("button", name="Show").click()
    expect(manager.get_by_test_id("period-shown")).to_contain_text("2026 Q3")
    expect(manager).to_have_url(f"{live_server}/review/analytics?period=2026-Q3")
    sent_back = manager.get_by_test_id("table-sent-back").get_by_test_id("row").first
    expect(sent_back).to_contain_text("Document submission document 1")
    expect(sent_back).to_contain_text("60% (3 of 5)")
    expect(sent_back).to_contain_text("Not signed (2), Illegible (1)")
    reviewers = manager.get_by_test_id("table-reviewers")
    expect(reviewers.get_by_test_id("row").filter(has_text="Rita Reviewer")).to_contain_text("—")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    manager.screenshot(path=SCREENSHOTS / "review-analytics.png", full_page=True)

    manager.get_by_label("Partnership type", exact=True).select_option(label="Supervision")
    expect(manager).to_have_url(f"{live_server}/review/analytics?period=2026-Q3&type=supervision")
    expect(sent_back).to_contain_text("100% (2 of 2)")
    assert manager.evaluate("window.__sameDocument") == "yes"
