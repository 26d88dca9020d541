"""The deadlines feed as a partner gets it: made in the browser, fetched over HTTP
like a calendar program would, read with a real iCalendar parser; a new link
ends the old one."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from .helpers import PYTEST_PLAYWRIGHT_DEPRECATION, log_in


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our server
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_a_partner_subscribes_to_their_deadlines_and_resets_the_link(
    app, make_partner, new_page, live_server
):
    partner, focal, accreditation = make_partner(name="Kestrel Care", acronym="KC")
    due = {(m.name, m.due_on) for m in accreditation.milestones}

    page = new_page()
    log_in(page, focal.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Deadlines").click()
    page.get_by_role("button", name="Make my calendar link").click()
    first = page.get_by_test_id("feed-link").input_value()

    status, body = fetch(first)
    assert status == 200
    calendar = Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    assert {(str(e["SUMMARY"]), e.decoded("DTSTART")) for e in events} == {
        (f"{name} due", day) for name, day in due
    }

    # A new link: the old address stops working at once, the new one works.
    page.get_by_role("button", name="Make a new link (the old one stops working)").click()
    second = page.get_by_test_id("feed-link")
    expect(second).not_to_have_value(first)
    assert fetch(first)[0] == 404
    status, body = fetch(second.input_value())
    assert status == 200 and len(Calendar.from_ical(body).walk("VEVENT")) == len(due)
