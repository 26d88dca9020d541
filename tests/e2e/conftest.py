"""Browser fixtures: Debian's Chromium driven by Playwright, against the app
served for real by werkzeug on 127.0.0.1 (the `app` fixture's database)."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from portal.core.extensions import db
from portal.models import Accreditation, Concern, NeedCheck, Partner
from tests.helpers import ROOT

from .helpers import CHROMIUM, CHROMIUM_ARGS, missing

# An expectation waits for its condition, as long as a busy machine needs (the
# default 5 s failed a live preview while both databases' suites ran at once);
# a passing test waits no longer than the page takes.
expect.set_options(timeout=30_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options, pointed at the Debian Chromium."""
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"Chromium not found at {CHROMIUM}: `apt-get install -y chromium`")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": browser_type_launch_args.get("headless", True),  # --headed still works
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app on a real port; returns its base URL, which email links point at."""
    htmx = ROOT / app.config["HTMX_URL"].lstrip("/")
    if not htmx.is_file():
        missing(
            f"htmx is not at {htmx}: run `make htmx` and set "
            "HTMX_LOCAL=static/vendor/htmx-<version>.min.js"
        )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PORTAL_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


# Not errors, though logged as such: a 4xx answer is the portal saying no (a form's
# errors, a refused action), which Chromium and htmx both log, and the tests assert
# what the page then shows; htmx logs a request that hx-sync replaced (a live
# preview's older request) as aborted. (A failed or timed-out request also logs
# htmx:sendError or htmx:timeout, which count.)
NOT_ERRORS = re.compile(
    r"status of 4\d\d|Response Status Error Code 4\d\d|^htmx:(sendAbort|afterRequest),"
)


@pytest.fixture
def new_page(live_server, new_context) -> Iterator[Callable[[], Page]]:
    """A page in a fresh browser context (its own cookies: one person each).

    `live_server` comes first so that the contexts close before the server stops.
    Any uncaught JavaScript error or console error on any page fails the test (htmx
    logs its own there, a selector matching nothing for one), and so does anything
    the Content-Security-Policy blocks: every browser test is also a test that the
    portal's scripts run cleanly, without inline script or eval.
    """
    errors: list[str] = []

    def on_console(page: Page, message) -> None:
        if message.type == "error" and not NOT_ERRORS.search(message.text):
            errors.append(f"{page.url}: {message.text}")

    def make() -> Page:
        page = new_context(base_url=live_server).new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: on_console(page, message))
        return page

    yield make
    assert not errors, f"JavaScript errors in the browser: {errors}"


@pytest.fixture
def demo(app):
    """The demo data (`flask seed-demo`), and the ids of the pages opened from lists."""
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    hai = db.session.scalar(db.select(Partner).filter_by(acronym="HAI"))
    return {
        "partner": hai.id,
        "accreditation": db.session.scalar(
            db.select(Accreditation.id).filter_by(partner_id=hai.id)
        ),
        "concern": db.session.scalar(db.select(Concern.id).filter_by(partner_id=hai.id)),
        "prospect": db.session.scalar(db.select(NeedCheck.partner_id)),
    }
