"""The pages each role walks through: the main menu's and the pages one opens
from them, on the demo data (the `demo` fixture). The phone and accessibility
crawls share them."""

from __future__ import annotations

from playwright.sync_api import Page, expect

ROLES = ["admin@example.org", "manager@example.org", "focal@hai.example.org"]
PARTNER = "focal@hai.example.org"

# The main navigation's name, as a screen reader announces it, by language.
MAIN = {"en": "Main", "fr": "Principale"}


def in_language(page: Page, language: str) -> None:
    """Switch the pages' language with the header's switcher (on a wide screen)."""
    if language != "en":
        page.get_by_role("button", name={"fr": "Français"}[language]).click()
        expect(page.locator("html")).to_have_attribute("lang", language)


def menu_links(page: Page, language: str = "en") -> list[str]:
    """The main navigation's links (visible on a wide screen)."""
    nav = page.get_by_role("navigation", name=MAIN[language])
    expect(nav).to_be_visible()
    return [a.get_attribute("href") for a in nav.get_by_role("link").all()]


def opened_pages(demo: dict, who: str) -> list[str]:
    """Pages one opens from the menu's lists, for `who`."""
    if who == PARTNER:
        return [
            "/organisation/partnership",
            "/organisation/concerns",
            f"/concerns/{demo['concern']}",
            f"/accreditations/{demo['accreditation']}",
        ]
    return [
        f"/partners/{demo['partner']}",
        f"/partners/{demo['prospect']}/need",
        f"/accreditations/{demo['accreditation']}",
        f"/concerns/{demo['concern']}",
        "/concerns",
        "/partnerships/health",
        "/review/analytics",
        "/notifications",
    ]
