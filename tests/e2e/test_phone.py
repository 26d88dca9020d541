"""The portal on a phone (390 px): for each role, every page of the main menu and
the pages one opens from them fit the screen (nothing wider than the viewport:
`scrollWidth <= clientWidth`, which `innerWidth` would hide), and the header
folds into a menu that opens, closes with Escape, and leads everywhere."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.demo import DEMO_PASSWORD

from .helpers import PYTEST_PLAYWRIGHT_DEPRECATION, log_in
from .walks import MAIN, ROLES, in_language, opened_pages

PHONE = {"width": 390, "height": 844}


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def menu_pages(page: Page, language: str = "en") -> list[str]:
    """The main menu's links, as a person opens it on a phone."""
    menu = page.get_by_role("button", name="Menu")
    expect(page.get_by_role("navigation", name=MAIN[language])).to_be_hidden()
    menu.click()
    nav = page.get_by_role("navigation", name=MAIN[language])
    expect(nav).to_be_visible()
    links = [a.get_attribute("href") for a in nav.get_by_role("link").all()]
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    return links


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
@pytest.mark.parametrize("language", ["en", "fr"])  # French runs longer
@pytest.mark.parametrize("who", ROLES)
def test_every_main_page_fits_a_phone(new_page, demo, who, language):
    page = new_page()
    log_in(page, who, DEMO_PASSWORD)  # on a wide screen: it waits for "Log out" in the bar
    in_language(page, language)
    page.set_viewport_size(PHONE)
    pages = menu_pages(page, language)
    assert len(pages) >= 4
    pages += opened_pages(demo, who)
    wide = {}
    for path in pages:
        page.goto(path)
        page.wait_for_load_state()
        if (extra := overflow(page)) > 0:
            wide[path] = extra
    assert wide == {}, f"wider than a 390 px phone (pixels too many): {wide}"


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_the_menu_leads_to_a_page_and_the_wide_screen_keeps_its_bar(new_page, demo):
    page = new_page()
    log_in(page, "focal@hai.example.org", DEMO_PASSWORD)
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "true")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Our KPIs").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()  # folded again
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
