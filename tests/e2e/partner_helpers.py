"""What the partner-record browser tests share: partners made as the app makes
them, and the parts of the partner page a person looks at."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from portal.core.extensions import db
from portal.models import Contact, Partner, User
from portal.partners.drafts import PartnerDraft
from portal.partners.records import add_partner

from .helpers import SCREENSHOTS


def partner_added_by(admin: User, name: str, acronym: str, focal: str, email: str) -> Partner:
    """A partner added through the service, as the add form would (search key,
    primary contact, invited focal point)."""
    return add_partner(admin, PartnerDraft.new(name, acronym, focal, email))


def give_primary_contact(partner: Partner, focal: User, title: str = "Executive director"):
    """Name and title of `focal`, the partner's primary focal person, on the contact
    card too (the `make_partner` fixture's contact carries the login's name)."""
    contact = db.session.scalar(
        db.select(Contact).filter_by(partner_id=partner.id, is_primary=True)
    )
    contact.name, contact.title = focal.name, title
    db.session.commit()


def open_partners(page: Page) -> None:
    """The Partners page from the main navigation, ready for htmx-enhanced controls."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()
    expect(page.get_by_role("heading", name="Partners", level=1)).to_be_visible()
    page.wait_for_load_state()


def open_partner(page: Page, partner_id: int, name: str) -> None:
    page.goto(f"/partners/{partner_id}")
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    page.wait_for_load_state()  # htmx has taken over the buttons that open the panel


def panel_settled(page: Page, autofocused: Locator) -> None:
    """The slide-in panel's new content is in and settled (htmx has dropped the
    `htmx-added` class and applied `autofocus`), with the cursor where the page
    puts it: typing earlier can land in the wrong field."""
    expect(autofocused).to_be_focused()
    expect(page.locator("#panel .htmx-added")).to_have_count(0)


def section(page: Page, heading: str) -> Locator:
    """A card of the partner page, by its heading."""
    title = page.get_by_role("heading", name=heading, level=2, exact=True)
    return page.locator("section.card").filter(has=title)


def history_event(page: Page, action: str) -> Locator:
    """The history entries whose action reads `action` ("Partner created")."""
    return page.get_by_test_id("history-event").filter(has=page.locator("strong", has_text=action))


def screenshot(page: Page, name: str, height: int | None = None) -> None:
    """Save what the user sees into test-results/screenshots/; with `height`,
    a taller window for the moment, so that a long panel shows whole."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    if height and size:
        page.set_viewport_size({"width": size["width"], "height": height})
    page.screenshot(path=SCREENSHOTS / f"{name}.png", animations="disabled")
    if height and size:
        page.set_viewport_size(size)
