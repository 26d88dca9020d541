"""Everyone, including screen-reader and keyboard users: axe-core (the engine
browsers' own accessibility audits use) finds no WCAG 2.1 A/AA violation on any
page each role walks, in English and in French; and the slide-in panel is a
proper dialog for the keyboard: focus moves into it, Tab stays inside, Escape
closes it and focus returns to what opened it."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from portal.demo import DEMO_PASSWORD

from .helpers import PYTEST_PLAYWRIGHT_DEPRECATION, log_in
from .walks import ROLES, in_language, menu_links, opened_pages

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def violations(axe: Axe, page: Page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page: rule, how many elements
    break it, and the first few of them."""
    found = axe.run(page, options=WCAG_21_AA).response["violations"]
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements): "
        + ", ".join(str(n["target"][0]) for n in v["nodes"][:3])
        for v in found
    ]


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("who", ROLES)
def test_no_page_has_an_accessibility_violation(new_page, demo, who, language):
    axe = Axe()
    page = new_page()
    log_in(page, who, DEMO_PASSWORD)
    in_language(page, language)
    pages = [*menu_links(page, language), *opened_pages(demo, who), "/settings/notifications"]
    found = {}
    for path in dict.fromkeys(pages):
        page.goto(path)
        page.wait_for_load_state()
        if problems := violations(axe, page):
            found[path] = problems
    rules = sum(len(problems) for problems in found.values())
    summary = f"{rules} rule violations on {len(found)} of {len(set(pages))} pages"
    assert found == {}, f"axe-core WCAG 2.1 AA: {summary}: {found}"


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_the_slide_in_panel_keeps_and_returns_the_keyboards_focus(new_page, demo):
    page = new_page()
    log_in(page, "admin@example.org", DEMO_PASSWORD)
    page.goto("/partners")
    opener = page.get_by_role("link", name="Add partner")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Add partner")
    expect(dialog).to_be_visible()
    inside = "el => el.contains(document.activeElement)"
    page.wait_for_function(f"() => ({inside})(document.querySelector('#panel [role=dialog]'))")

    # Tab and Shift+Tab from the panel's last and first controls stay in the panel.
    for _ in range(60):
        page.keyboard.press("Tab")
        assert dialog.evaluate(inside), "Tab left the open panel"
    for _ in range(60):
        page.keyboard.press("Shift+Tab")
        assert dialog.evaluate(inside), "Shift+Tab left the open panel"

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_back_after_paging_the_partner_list_runs_without_a_script_error(app, new_page, demo):
    """The new_page fixture fails the test on any console error (htmx's included)."""
    app.config["PARTNERS_PER_PAGE"] = 2
    page = new_page()
    log_in(page, "admin@example.org", DEMO_PASSWORD)
    page.goto("/partners")
    page.locator("a[rel=next]").first.click()
    expect(page).to_have_url(re.compile(r"page=2"))
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.go_forward()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # The partner panel's own htmx requests (the area search) find what they disable.
    page.get_by_role("link", name="Add partner").click()
    area = page.get_by_role("dialog").get_by_label("Find an area")
    area.fill("Kas")
    expect(page.locator("#area-results")).to_contain_text("Kasenga")
    area.press("Enter")
    expect(page.locator("#area-results")).to_contain_text("Kasenga")
