"""The HTML email's 600 px card in a real browser: a long unbroken token (a
video-call link of 300 characters, the most the check-in form takes) wraps
inside it rather than widening it."""

from __future__ import annotations

import pytest

from tests.unit.test_mail_headers import _invitation_html

from .helpers import PYTEST_PLAYWRIGHT_DEPRECATION


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_a_300_character_link_keeps_the_card_within_600_pixels(make_partner, staff, new_page):
    html = _invitation_html(make_partner, staff)
    page = new_page()
    page.set_viewport_size({"width": 1200, "height": 900})
    page.set_content(html)
    card = page.locator('table[role="presentation"]').first.bounding_box()
    assert card["width"] <= 600
    assert page.evaluate("document.documentElement.scrollWidth") <= 1200  # nothing sticks out
